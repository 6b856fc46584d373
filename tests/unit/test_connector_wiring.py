"""The connectors reach the services by injection; these check the wiring holds."""

from __future__ import annotations

import pytest

from staytier.connectors.airline import MilesTransferConnector
from staytier.connectors.registry import default_connectors
from staytier.services import outbox
from staytier.services.partner_protocol import Connectors


def test_every_operation_the_services_handle_has_a_shipped_connector() -> None:
    assert outbox.unperformed_operations(default_connectors()) == []


def test_an_operation_without_its_connector_is_named_as_unperformed() -> None:
    unperformed = outbox.unperformed_operations(Connectors([MilesTransferConnector()]))

    assert "charity.donate" in unperformed
    assert "miles.transfer" not in unperformed


def test_two_connectors_for_one_operation_are_refused() -> None:
    with pytest.raises(ValueError, match="two connectors perform"):
        Connectors([MilesTransferConnector(), MilesTransferConnector()])
