"""Standard Webhooks signatures: HMAC-SHA256 over id.timestamp.body, five minutes' grace."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.webhooks import WebhookRefused, secret_bytes, sign, verify

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
STAMP = int(NOW.timestamp())
SECRET = "whsec_" + base64.b64encode(b"a shared secret of 32 bytes!!!!!").decode()


def _verify(
    signature: str,
    *,
    secrets: list[str] | None = None,
    at: dt.datetime = NOW,
    stamp: int = STAMP,
    body: bytes = b'{"a":1}',
) -> int:
    return verify(
        secrets if secrets is not None else [SECRET],
        webhook_id="msg_1",
        timestamp=str(stamp),
        signature=signature,
        body=body,
        now=at,
    )


def test_the_signature_matches_the_standard_webhooks_reference_example() -> None:
    # The example of the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_correctly_signed_webhook_is_accepted() -> None:
    assert _verify(sign(SECRET, "msg_1", STAMP, b'{"a":1}')) == STAMP


def test_either_secret_is_accepted_during_a_rotation() -> None:
    new = "whsec_" + base64.b64encode(b"the next secret").decode()
    signed_with_new = sign(new, "msg_1", STAMP, b'{"a":1}')
    assert _verify(signed_with_new, secrets=[SECRET, new]) == STAMP
    with pytest.raises(WebhookRefused, match="no webhook-signature matches"):
        _verify(signed_with_new, secrets=[SECRET])


def test_one_good_signature_among_several_is_enough() -> None:
    good = sign(SECRET, "msg_1", STAMP, b'{"a":1}')
    assert _verify(f"v1,AAAA {good}") == STAMP


def test_an_altered_body_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="wrong secret or altered body"):
        _verify(sign(SECRET, "msg_1", STAMP, b'{"a":1}'), body=b'{"a":2}')


def test_a_timestamp_older_than_five_minutes_is_refused() -> None:
    old = STAMP - 301
    with pytest.raises(WebhookRefused, match="older than 5 minutes"):
        _verify(sign(SECRET, "msg_1", old, b'{"a":1}'), stamp=old)
    at_limit = STAMP - 300
    assert _verify(sign(SECRET, "msg_1", at_limit, b'{"a":1}'), stamp=at_limit) == at_limit


def test_a_timestamp_from_the_future_is_refused() -> None:
    ahead = STAMP + 301
    with pytest.raises(WebhookRefused, match="ahead"):
        _verify(sign(SECRET, "msg_1", ahead, b'{"a":1}'), stamp=ahead)


def test_headers_that_are_missing_or_malformed_are_refused_with_the_reason() -> None:
    with pytest.raises(WebhookRefused, match="webhook-id header is missing"):
        verify([SECRET], webhook_id="", timestamp=str(STAMP), signature="v1,x", body=b"", now=NOW)
    with pytest.raises(WebhookRefused, match="whole seconds"):
        verify([SECRET], webhook_id="m", timestamp="soon", signature="v1,x", body=b"", now=NOW)
    with pytest.raises(WebhookRefused, match="no v1 signature"):
        _verify("v2,abc")
    with pytest.raises(WebhookRefused, match="no webhook-signature matches"):
        _verify("v1,abc", secrets=[])


def test_a_plain_secret_is_used_as_its_bytes() -> None:
    assert secret_bytes("plain") == b"plain"
    assert secret_bytes("whsec_" + base64.b64encode(b"raw").decode()) == b"raw"
    with pytest.raises(ValueError, match="base64"):
        secret_bytes("whsec_not base64!")


# A webhook's body is JSON, which is UTF-8 text (RFC 8259), as the Standard Webhooks
# libraries sign it; any other body is refused as malformed (below).
@given(
    st.text(max_size=200).map(str.encode),
    st.text(min_size=1, max_size=40).filter(lambda s: "." not in s),
)
def test_whatever_the_body_a_signature_verifies_and_any_change_breaks_it(
    body: bytes, webhook_id: str
) -> None:
    signature = sign(SECRET, webhook_id, STAMP, body)
    ok = verify(
        [SECRET],
        webhook_id=webhook_id,
        timestamp=str(STAMP),
        signature=signature,
        body=body,
        now=NOW,
    )
    assert ok == STAMP
    with pytest.raises(WebhookRefused):
        verify(
            [SECRET],
            webhook_id=webhook_id,
            timestamp=str(STAMP),
            signature=signature,
            body=body + b" ",
            now=NOW,
        )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"timestamp": "99999999999999999999"}, "whole seconds since 1970"),
        ({"timestamp": "\u00b2"}, "whole seconds since 1970"),  # a digit to str.isdigit
        ({"timestamp": "-1"}, "whole seconds since 1970"),
        ({"timestamp": ""}, "whole seconds since 1970"),
        ({"signature": "v1,\u00e9\u00e9\u00e9"}, "no webhook-signature matches"),
        ({"signature": "v1,not base64!"}, "no webhook-signature matches"),
        ({"signature": "v1"}, "no v1 signature"),
        ({"signature": ""}, "no v1 signature"),
        ({"webhook_id": ""}, "webhook-id header is missing"),
    ],
)
def test_a_malformed_header_is_refused_never_raised(headers: dict[str, str], reason: str) -> None:
    given_headers = {
        "webhook_id": "msg_1",
        "timestamp": str(STAMP),
        "signature": sign(SECRET, "msg_1", STAMP, b"{}"),
        **headers,
    }
    with pytest.raises(WebhookRefused, match=reason) as refused:
        verify([SECRET], body=b"{}", now=NOW, **given_headers)
    assert refused.value.status == 401


def test_a_body_that_is_not_utf8_is_malformed() -> None:
    with pytest.raises(WebhookRefused, match="not UTF-8") as refused:
        _verify("v1,AAAA", body=b"\xff\xfe")
    assert refused.value.status == 400
