"""The outbound operations and the connector that performs each."""

from __future__ import annotations

from staytier.connectors.airline import MilesTransferConnector
from staytier.connectors.charity import DonationConnector
from staytier.connectors.guest_mail import GuestMailConnector
from staytier.connectors.pms import RoomGuaranteeConnector
from staytier.connectors.protocol import OutboundConnector

CONNECTORS: dict[str, OutboundConnector] = {
    connector.operation: connector
    for connector in (
        MilesTransferConnector(),
        DonationConnector(),
        RoomGuaranteeConnector(),
        GuestMailConnector(),
    )
}


def connector_for(operation: str) -> OutboundConnector:
    """The connector of ``operation``; a KeyError lists the known ones."""
    try:
        return CONNECTORS[operation]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise KeyError(f"no connector performs {operation!r} (known: {known})") from None
