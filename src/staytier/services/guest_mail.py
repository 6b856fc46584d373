"""Mail to guests through the outbox: survey invitations and sweepstakes winner notices.

A use case calls :func:`enqueue_guest_mail` in its own transaction, so the mail exists
exactly when the business change does (the invitation, the prize) and is delivered, retried
and watched like any partner request (``partnerRequests``, ``partnerOutbox``, the outbox
metrics), under the partner code ``MAIL``. The worker calls :func:`deliver`, which sends
through the runtime's :class:`~staytier.services.mail.Mailer`, the one sign-in codes use.

Consent: this is mail the guest did not ask for, so it honours ``MARKETING`` consent. A
guest whose newest MARKETING record withdraws it gets nothing; a guest who never said
either way is mailed (the invitation says how to stop). An erased guest, or one without an
email address, gets nothing. Both are checked when the mail is written and again when it is
sent, so a withdrawal or an erasure in between stops it (the request ends REJECTED, with
the reason, and is never tried again).
"""

from __future__ import annotations

import functools
import smtplib
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import ClassVar

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.outbox import OPEN_STATES, RequestState
from staytier.program.catalog import ConsentPurpose
from staytier.services import outbox
from staytier.services.partner_protocol import Answer, PartnerOutcome
from staytier.services.partners import PartnerKind
from staytier.services.runtime import Runtime
from staytier.store.models import ConsentRecord, Member, PartnerRequest

# The outbox's partner code for mail to guests; no partners file entry is needed.
MAIL_PARTNER = "MAIL"
OPERATION = "guest.mail"
SURVEY_INVITATION = "SURVEY_INVITATION"
SWEEPSTAKES_WIN = "SWEEPSTAKES_WIN"
# A prize that is a free-night certificate: its number, category and last day.
SWEEPSTAKES_WIN_CERTIFICATE = "SWEEPSTAKES_WIN_CERTIFICATE"
# The consent guest mail needs (withdrawing it stops the mail).
CONSENT = ConsentPurpose.MARKETING
STRINGS = Path(__file__).parent / "mail_strings"
DEFAULT_LANGUAGE = "en"


class GuestMail(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``guest.mail``: the ``template`` (a key of the mail strings) filled with ``values``
    and the member's first name, in the member's language. The payload names the member,
    never the address: address, consent and language are read when the mail is sent."""

    member_number: str
    template: str
    values: dict[str, str] = msgspec.field(default_factory=dict)


class GuestMailConnector:
    """The payload of ``guest.mail``. There is no HTTP path: the worker sends these through
    the mailer (:func:`deliver`), and an SMTP answer, not an HTTP body, decides the outcome.
    It lives here rather than in ``connectors/`` because no partner is involved."""

    operation: ClassVar[str] = OPERATION
    partner_kind: ClassVar[PartnerKind | None] = None
    path: ClassVar[str] = ""
    request_type: ClassVar[type[msgspec.Struct]] = GuestMail

    def outcome(self, body: bytes) -> PartnerOutcome:
        # Never called: guest mail has no HTTP answer to read.
        raise msgspec.DecodeError("guest mail is not answered over HTTP")


# A mail sent or not changes nothing else; a DEAD one (the relay was down through every
# attempt) may be replayed with replayPartnerRequest.
outbox.without_outcome(OPERATION)


class MailText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    subject: str
    body: str


@functools.cache
def mail_strings() -> dict[str, dict[str, MailText]]:
    """Every language's templates, read once: ``{"en": {"SURVEY_INVITATION": ...}}``."""
    return {
        path.stem: msgspec.convert(tomllib.loads(path.read_text("utf-8")), dict[str, MailText])
        for path in sorted(STRINGS.glob("*.toml"))
    }


def mail_text(template: str, language: str) -> tuple[str, MailText]:
    """The template in ``language``, else in its primary language (``pt`` for ``pt-BR``),
    else in English; with the language used."""
    strings = mail_strings()
    for candidate in (language, language.split("-")[0].lower(), DEFAULT_LANGUAGE):
        found = strings.get(candidate, {}).get(template)
        if found is not None:
            return candidate, found
    raise KeyError(f"no mail template {template!r}")


def render(template: str, language: str, values: dict[str, str]) -> tuple[str, str, str]:
    """``(language used, subject, body)`` of the template filled with ``values``."""
    used, text = mail_text(template, language)
    return used, text.subject.format_map(values), text.body.strip().format_map(values) + "\n"


async def consent_withdrawn(session: AsyncSession, member_id: int) -> bool:
    """Whether the member's newest record for :data:`CONSENT` withdraws it."""
    return member_id in await consents_withdrawn(session, [member_id])


async def consents_withdrawn(session: AsyncSession, member_ids: Collection[int]) -> set[int]:
    """Those of ``member_ids`` whose newest record for :data:`CONSENT` withdraws it, in one
    statement (none without ids)."""
    if not member_ids:
        return set()
    newest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.member_id.in_(member_ids), ConsentRecord.purpose == CONSENT.value)
        .group_by(ConsentRecord.member_id)
    )
    withdrawn = await session.scalars(
        select(ConsentRecord.member_id).where(
            ConsentRecord.id.in_(newest), ConsentRecord.granted.is_(False)
        )
    )
    return set(withdrawn)


def may_be_mailed(member: Member) -> bool:
    """Whether the member has an address to mail and data not erased: the guests whose
    consent :func:`enqueue_guest_mail` reads."""
    return member.erased_at is None and bool(member.email)


async def _refusal(
    session: AsyncSession, member: Member | None, *, withdrawn: bool | None = None
) -> str | None:
    """Why the member gets no mail, or None. ``withdrawn``, when known, says whether they
    withdrew their consent (read in the same transaction), which is otherwise read here."""
    if member is None or member.erased_at is not None:
        return "the guest's data was erased"
    if not member.email:
        return "the guest has no email address"
    if withdrawn is None:
        withdrawn = await consent_withdrawn(session, member.id)
    if withdrawn:
        return f"the guest withdrew {CONSENT.value} consent"
    return None


async def enqueue_guest_mail(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    template: str,
    key: str,
    values: dict[str, str],
    consent_withdrawn: bool | None = None,
) -> int | None:
    """Writes a mail to ``member`` in the caller's transaction; returns its outbox id, or
    None when the guest gets no mail (no consent, no address, erased). ``key``, derived
    from the business record (``"survey:12"``), makes the mail once per record.
    ``consent_withdrawn``, when the caller read it in this transaction (a night audit
    reads it for all its members at once, see :func:`consents_withdrawn`), spares the read."""
    mail_text(template, member.language)  # an unknown template is a mistake here, not later
    if await _refusal(session, member, withdrawn=consent_withdrawn) is not None:
        return None
    return await outbox.enqueue(
        session,
        runtime.connectors,
        partner=MAIL_PARTNER,
        operation=OPERATION,
        payload={"member_number": member.member_number, "template": template, "values": values},
        idempotency_key=key,
        member_id=member.id,
        subject=key,
        now=runtime.now(),
    )


async def deliver(runtime: Runtime, payload: dict[str, object]) -> Answer:
    """Sends one ``guest.mail`` request: a final outcome when it was handed to the relay
    or must never be sent; a retry when the relay failed for now (it is down, or answered
    a temporary 4xx). A relay refusing every recipient for good (5xx) is final."""
    mail = msgspec.convert(payload, GuestMail)
    async with runtime.db.reading() as session:
        member = await session.scalar(
            select(Member).where(Member.member_number == mail.member_number)
        )
        refusal = await _refusal(session, member)
    if refusal is not None or member is None or member.email is None:
        return Answer(outcome=PartnerOutcome(False, {"template": mail.template}, refusal or ""))
    language, subject, body = render(
        mail.template, member.language, {**mail.values, "first_name": member.first_name}
    )
    try:
        await runtime.mailer.send(member.email, subject, body)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            reason = f"the mail relay refused the address for good ({codes[0]})"
            return Answer(outcome=PartnerOutcome(False, {"template": mail.template}, reason))
        return Answer.retry(f"the mail relay refused the address for now: {codes}")
    except (OSError, smtplib.SMTPException) as exc:
        return Answer.retry(f"mail not sent: {type(exc).__name__}: {exc}")
    response = {"template": mail.template, "language": language}
    return Answer(outcome=PartnerOutcome(True, dict(response), "mailed to the guest"))


async def close_open_mail(session: AsyncSession, runtime: Runtime, member_id: int) -> None:
    """Ends the member's undelivered mail (REJECTED, never sent), in the caller's
    transaction: erasure calls it, so erasing a guest never waits for mail."""
    now = runtime.now()
    await session.execute(
        update(PartnerRequest)
        .where(
            PartnerRequest.member_id == member_id,
            PartnerRequest.partner == MAIL_PARTNER,
            PartnerRequest.state.in_([state.value for state in OPEN_STATES]),
        )
        .values(
            state=RequestState.REJECTED.value,
            outcome_reason="the guest's data was erased",
            completed_at=now,
            updated_at=now,
            next_attempt_at=None,
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
