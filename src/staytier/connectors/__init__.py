"""Partner connectors: one module per outbound partner kind, implementing the protocol the
services own (:mod:`staytier.services.partner_protocol`), the registry the composition root
hands to the runtime, and partner simulators for tests and the demo."""
