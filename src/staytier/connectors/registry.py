"""The outbound operations and the connector that performs each.

The services define what a connector is (:mod:`staytier.services.partner_protocol`); this
is where the concrete ones are gathered for the composition root (the app factory, the
CLI), which hands them to the runtime.
"""

from __future__ import annotations

from staytier.connectors.airline import MilesTransferConnector
from staytier.connectors.charity import DonationConnector
from staytier.connectors.pms import RoomGuaranteeConnector
from staytier.services.guest_mail import GuestMailConnector
from staytier.services.partner_protocol import Connectors


def default_connectors() -> Connectors:
    """Every connector the service ships with, by operation."""
    return Connectors(
        (
            MilesTransferConnector(),
            DonationConnector(),
            RoomGuaranteeConnector(),
            GuestMailConnector(),
        )
    )
