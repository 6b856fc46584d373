"""Failed credentials are counted, and past a limit refused before they cost anything.

A wrong API key secret costs an argon2 verification (slow on purpose); unknown key ids,
tampered guest tokens and wrong sign-in codes cost less but are guesses all the same. Each
failure is counted in a moving window by the `limits` package, under three names:

- ``(address, key id)``: one client address guessing one key's secret;
- ``key id``: everyone guessing one key's secret (from many addresses);
- ``address``: credentials from one address that name no client at all (unknown key ids,
  tokens that do not verify, wrong sign-in codes).

A brand's clients often share one proxy address, so a flood of wrong secrets for one key id
counts against that key id only: it never refuses another key from the same address, and
a valid key is never counted at all. Over a limit, the request is refused (429 with
``Retry-After``) without running argon2; the holder of the flooded key still gets in if
this process has verified the key before (see ``services.clients``).

Litestar's ``RateLimitConfig`` counts every request of an identifier before the handler
runs; these limits count only failures, which are known after the credential is checked,
under names the middleware chooses, hence `limits` used directly. Counts are per process:
N workers allow up to N times the limit, which still bounds the cost.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class FailureLimits:
    """Failures allowed per window, from the settings (``STAYTIER_AUTH_FAILURE_*``)."""

    window_seconds: int = 60
    per_address_and_key: int = 10
    per_key: int = 50
    per_address: int = 50


class TooManyFailures(Exception):
    """Refused for earlier failures; ``retry_after`` is in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts with these credentials; try again in {retry_after} s."
        )
        self.retry_after = retry_after


class FailedCredentials:
    """Counts failures and says whether a credential may be tried now."""

    def __init__(self, limits: FailureLimits | None = None) -> None:
        limits = limits or FailureLimits()
        window = limits.window_seconds

        def item(amount: int, namespace: str) -> RateLimitItem:
            return RateLimitItemPerSecond(amount, window, namespace=namespace)

        self._pair = item(limits.per_address_and_key, "auth-pair")
        self._key = item(limits.per_key, "auth-key")
        self._address = item(limits.per_address, "auth-address")
        self._counter = MovingWindowRateLimiter(MemoryStorage())

    def _wait(self, item: RateLimitItem, *names: str) -> int | None:
        if self._counter.test(item, *names):
            return None
        reset = self._counter.get_window_stats(item, *names).reset_time
        return max(1, math.ceil(reset - time.time()))

    def admit_key(self, address: str, key_id: str) -> None:
        """Counts an argon2 check about to run for ``key_id``, or raises
        :class:`TooManyFailures` if the key id is over a limit.

        Counted before the check, not after its failure: requests arriving together would
        all pass a check made before any of them had failed. A key that verifies is
        remembered by the process and never checked (nor counted) again, so what is
        counted is the wrong secrets and, once per process, a key's first right one.
        """
        wait = self._wait(self._pair, address, key_id) or self._wait(self._key, key_id)
        if wait is not None:
            raise TooManyFailures(wait)
        self._counter.hit(self._pair, address, key_id)
        self._counter.hit(self._key, key_id)

    def failed_without_client(self, address: str) -> None:
        """Counts a credential that named no client (an unknown or revoked key id, a token
        that does not verify); raises :class:`TooManyFailures` if the address was over its
        limit already, so the answer becomes 429 instead of 401."""
        wait = self._wait(self._address, address)
        if wait is not None:
            raise TooManyFailures(wait)
        self._counter.hit(self._address, address)

    def check_sign_in(self, address: str, email: str) -> None:
        """Raises :class:`TooManyFailures` if wrong codes for this email (from anywhere) or
        from this address are over their limits."""
        wait = self._wait(self._address, address) or self._wait(self._key, "email:" + email)
        if wait is not None:
            raise TooManyFailures(wait)

    def sign_in_failed(self, address: str, email: str) -> None:
        self._counter.hit(self._address, address)
        self._counter.hit(self._key, "email:" + email)
