"""What a partner's HTTP answer means for a request: final, or try again."""

from __future__ import annotations

from staytier.connectors.airline import MilesTransferConnector
from staytier.connectors.pms import RoomGuaranteeConnector
from staytier.services.partner_protocol import answer

PMS = RoomGuaranteeConnector()


def test_an_honoured_guarantee_is_accepted_with_the_confirmation() -> None:
    result = answer(PMS, 200, b'{"outcome": "HONOURED", "confirmation_number": "G1"}')
    assert result.outcome is not None and result.outcome.accepted
    assert result.outcome.response == {"outcome": "HONOURED", "confirmation_number": "G1"}


def test_a_declined_guarantee_is_a_final_rejection_with_the_reason() -> None:
    result = answer(PMS, 200, b'{"outcome": "DECLINED", "reason": "sold out"}')
    assert result.outcome is not None and not result.outcome.accepted
    assert result.outcome.reason == "sold out"


def test_garbage_and_an_honoured_guarantee_without_confirmation_are_tried_again() -> None:
    for body in (b"<html>", b'{"outcome": "MAYBE"}', b'{"outcome": "HONOURED"}'):
        result = answer(PMS, 200, body)
        assert result.outcome is None and result.error.startswith("answer 200 not understood")


def test_server_errors_and_passing_client_errors_are_tried_again() -> None:
    for status in (500, 502, 503, 408, 429, 401):
        assert answer(MilesTransferConnector(), status, b"busy").outcome is None


def test_a_request_the_partner_calls_malformed_is_rejected_for_good() -> None:
    result = answer(MilesTransferConnector(), 422, b'{"error": "unknown account"}')
    assert result.outcome is not None and not result.outcome.accepted
    assert "(422)" in result.outcome.reason and "unknown account" in result.outcome.reason
