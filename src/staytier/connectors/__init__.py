"""Partner connectors: the partners file, one module per partner kind, the delivery worker
and partner simulators for tests and the demo."""
