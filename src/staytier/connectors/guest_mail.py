"""Mail to a guest, delivered through the outbox like a partner request.

The outbox names the guest's mailbox as the pseudo-partner :data:`MAIL_PARTNER`; the worker
hands its requests to :func:`staytier.services.guest_mail.deliver`, which sends through the
runtime's :class:`~staytier.services.mail.Mailer` (the one guest sign-in uses) instead of
posting to a partner's URL. The payload names the member and a template, never the
address: the address, the consent and the language are read when the mail is sent, so a
guest who withdrew consent or was erased meanwhile gets nothing.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from staytier.connectors.partners import PartnerKind
from staytier.connectors.protocol import PartnerOutcome

# The outbox's partner code for mail to guests; no partners file entry is needed.
MAIL_PARTNER = "MAIL"


class GuestMail(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``guest.mail``: the ``template`` (a key of the mail strings) filled with ``values``
    and the member's first name, in the member's language."""

    member_number: str
    template: str
    values: dict[str, str] = msgspec.field(default_factory=dict)


class GuestMailConnector:
    """The payload of ``guest.mail``. There is no HTTP path: the worker sends these through
    the mailer, and an SMTP answer, not an HTTP body, decides the outcome."""

    operation: ClassVar[str] = "guest.mail"
    partner_kind: ClassVar[PartnerKind | None] = None
    path: ClassVar[str] = ""
    request_type: ClassVar[type[msgspec.Struct]] = GuestMail

    def outcome(self, body: bytes) -> PartnerOutcome:
        # Never called: guest mail has no HTTP answer to read.
        raise msgspec.DecodeError("guest mail is not answered over HTTP")
