"""The partners file: who the brand's partners are and how to reach them.

Secrets never appear in the file, only the *names* of the environment variables holding
them; a secret is read when it is needed, so a missing one is a clear error at that
moment (a delivery, a webhook) rather than a crash at start.

It lives in ``services/`` because the use cases decide with it (which airline, the charity's
minimum, the PMS serving a property, who may send a feed) and the runtime carries it, while
connectors only read a partner's address. It cannot go to ``program/``, the layer below the
domain: a partner's retry schedule is the domain's :class:`~staytier.domain.outbox.Backoff`,
and the secrets are read from the environment.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from staytier.domain.outbox import Backoff, backoff_mistakes
from staytier.program.loader import FIXTURES, ProgramFileError, decode_file


class PartnerKind(enum.Enum):
    AIRLINE = "AIRLINE"
    CHARITY = "CHARITY"
    PMS = "PMS"
    COBRAND_CARD = "COBRAND_CARD"
    CAR_RENTAL = "CAR_RENTAL"
    BOOKING_SITE = "BOOKING_SITE"


class Partner(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One partner. Kind-specific rules are set only on partners of that kind."""

    code: str
    kind: PartnerKind
    name: str
    # Where requests to the partner go; empty for a partner that only sends to us.
    base_url: str = ""
    timeout_seconds: int = 10
    max_attempts: int = 8
    backoff: Backoff = Backoff()
    # Name of the variable holding the API key sent as ``Authorization: Bearer``.
    api_key_env: str | None = None
    # Names of the variables holding the partner's webhook secrets; any one set and
    # matching is accepted, so a secret is rotated by adding the new one first.
    webhook_secret_envs: list[str] = msgspec.field(default_factory=list)
    # AIRLINE: a frequent-flyer number must match this pattern in full.
    frequent_flyer_pattern: str | None = None
    # CHARITY: the smallest donation and the step between donations, in points.
    minimum_points: int | None = None
    step_points: int | None = None
    # PMS: the property codes it serves; empty means every property.
    properties: list[str] = msgspec.field(default_factory=list)
    # COBRAND_CARD, CAR_RENTAL: the program's activity source its reports credit.
    activity_source: str | None = None

    def frequent_flyer_number_valid(self, number: str) -> bool:
        """Whether ``number`` matches the airline's pattern in full."""
        return self.frequent_flyer_pattern is not None and bool(
            re.fullmatch(self.frequent_flyer_pattern, number)
        )


class PartnersFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    partners: list[Partner] = msgspec.field(default_factory=list)


class MissingSecret(Exception):
    """A secret the partners file names is not set in the environment."""


# Settings that belong to one kind only, and the kinds that must have them.
_ONLY_FOR = {
    "frequent_flyer_pattern": PartnerKind.AIRLINE,
    "minimum_points": PartnerKind.CHARITY,
    "step_points": PartnerKind.CHARITY,
    "properties": PartnerKind.PMS,
    "activity_source": None,  # COBRAND_CARD and CAR_RENTAL, checked below
}
_REQUIRED = {
    PartnerKind.AIRLINE: ("frequent_flyer_pattern",),
    PartnerKind.CHARITY: ("minimum_points", "step_points"),
    PartnerKind.COBRAND_CARD: ("activity_source",),
    PartnerKind.CAR_RENTAL: ("activity_source",),
}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class Partners:
    """The loaded partners, with the environment their secrets are read from."""

    def __init__(self, partners: list[Partner], environ: Mapping[str, str] | None = None) -> None:
        self.all = tuple(partners)
        self.by_code = {partner.code: partner for partner in partners}
        # A live mapping by default: a secret set after start is seen at the next use.
        self.environ: Mapping[str, str] = os.environ if environ is None else environ

    def of_kind(self, kind: PartnerKind) -> list[Partner]:
        return [partner for partner in self.all if partner.kind is kind]

    def get(self, code: str) -> Partner | None:
        return self.by_code.get(code)

    def pms_for(self, property_code: str) -> Partner | None:
        """The PMS serving ``property_code``: one that lists it, else one serving all."""
        systems = self.of_kind(PartnerKind.PMS)
        listed = [pms for pms in systems if property_code in pms.properties]
        every = [pms for pms in systems if not pms.properties]
        found = listed or every
        return found[0] if found else None

    def secret(self, partner: Partner, variable: str, purpose: str) -> str:
        """The value of ``variable``, or :class:`MissingSecret` naming it."""
        value = self.environ.get(variable, "")
        if not value:
            raise MissingSecret(
                f"the environment variable {variable} ({purpose} of partner {partner.code}) "
                "is not set"
            )
        return value

    def webhook_secrets(self, partner: Partner) -> list[str]:
        """The partner's webhook secrets that are set (one, or two during a rotation)."""
        return [
            self.environ[name] for name in partner.webhook_secret_envs if self.environ.get(name)
        ]

    def pointed_at(self, base_urls: Mapping[str, str]) -> Partners:
        """The same partners with some base URLs replaced (the demo's simulators)."""
        moved = [
            msgspec.structs.replace(partner, base_url=base_urls[partner.code])
            if partner.code in base_urls
            else partner
            for partner in self.all
        ]
        return Partners(moved, self.environ)


def partner_mistakes(partners: list[Partner]) -> list[str]:
    """Every mistake in a partners file, one sentence each, naming where it is."""
    mistakes: list[str] = []
    seen: set[str] = set()
    for index, partner in enumerate(partners):
        where = f"partners[{index}] ({partner.code})"
        mistakes.extend(f"{where}: {mistake}" for mistake in _mistakes(partner))
        if partner.code in seen:
            mistakes.append(f"{where}: code {partner.code!r} appears twice")
        seen.add(partner.code)
    return mistakes


def _mistakes(partner: Partner) -> list[str]:
    mistakes: list[str] = []
    if not re.fullmatch(r"[A-Z0-9_]{2,40}", partner.code):
        mistakes.append("code must be 2 to 40 capital letters, digits or underscores")
    if partner.base_url:
        parts = urlsplit(partner.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            mistakes.append(f"base_url {partner.base_url!r} must be an http(s) URL")
    if partner.kind in (PartnerKind.AIRLINE, PartnerKind.CHARITY) and not partner.base_url:
        mistakes.append("base_url is required: requests are sent to this partner")
    if partner.timeout_seconds < 1:
        mistakes.append("timeout_seconds must be at least 1")
    if partner.max_attempts < 1:
        mistakes.append("max_attempts must be at least 1")
    mistakes.extend(f"backoff: {mistake}" for mistake in backoff_mistakes(partner.backoff))
    for variable in [partner.api_key_env or "", *partner.webhook_secret_envs]:
        if variable and not _ENV_NAME.fullmatch(variable):
            mistakes.append(
                f"{variable!r} is not an environment variable name; the file names the "
                "variable holding a secret, never the secret itself"
            )
    if len(partner.webhook_secret_envs) > 2:
        mistakes.append("webhook_secret_envs names at most two variables (current and next)")
    for setting, kind in _ONLY_FOR.items():
        value = getattr(partner, setting)
        owners = (kind,) if kind else (PartnerKind.COBRAND_CARD, PartnerKind.CAR_RENTAL)
        if value and partner.kind not in owners:
            mistakes.append(f"{setting} applies to {' and '.join(k.value for k in owners)} only")
    for setting in _REQUIRED.get(partner.kind, ()):
        if getattr(partner, setting) is None:
            mistakes.append(f"{setting} is required for a {partner.kind.value} partner")
    if partner.frequent_flyer_pattern is not None:
        try:
            re.compile(partner.frequent_flyer_pattern)
        except re.error as exc:
            mistakes.append(f"frequent_flyer_pattern is not a regular expression: {exc}")
    if partner.minimum_points is not None and partner.minimum_points < 1:
        mistakes.append("minimum_points must be at least 1")
    if partner.step_points is not None and partner.step_points < 1:
        mistakes.append("step_points must be at least 1")
    return mistakes


def load_partners(path: Path | str, environ: Mapping[str, str] | None = None) -> Partners:
    """Loads and checks a partners file (TOML or JSON); raises
    :class:`~staytier.program.loader.ProgramFileError` listing every mistake."""
    path = Path(path)
    document = decode_file(path, PartnersFile)
    mistakes = partner_mistakes(document.partners)
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return Partners(document.partners, environ)


def default_partners_path() -> Path:
    return FIXTURES / "partners.toml"


def demo_partners() -> Partners:
    """The partners shipped with the demo, read from the live environment."""
    return load_partners(default_partners_path())
