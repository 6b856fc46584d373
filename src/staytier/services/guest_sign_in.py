"""Guest sign-in for the guest app: a one-time code by email, then a short-lived token.

1. :func:`request_sign_in` writes a six-digit code for a member's registered email and
   returns the mail that carries it. It does the same work whether or not the email
   belongs to a member (the same statements, the same hashing, a mail of the same shape
   that goes nowhere for a stranger), and the caller sends the mail after answering, so
   neither the answer nor its time reveals membership.
2. :func:`complete_sign_in` exchanges the code for a signed token (JWT, HS256, the server
   secret). A code is kept only as a keyed hash, expires, works once, and is void after a
   few wrong tries; asking for a new code voids the previous one.
3. Each request with the token acts as that member (:func:`principal_of_token`), until it
   expires or the member is erased.

Times come from the runtime clock, so tests expire tokens by moving the test clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.access import Principal, Role
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services.runtime import Runtime
from staytier.store.models import Member, SignInCode
from staytier.store.queries import surviving_member

log = logging.getLogger("staytier.sign_in")

CODE_LIFETIME = dt.timedelta(minutes=10)
TOKEN_LIFETIME = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5
ISSUER = "staytier"
AUDIENCE = "staytier-guest"


@dataclass(frozen=True)
class GuestToken:
    token: str
    expires_at: dt.datetime
    member_id: int


@dataclass(frozen=True)
class SignedIn:
    """A completed sign-in: the guest's token and the member it signs in."""

    token: GuestToken
    member: Member


def _code_hash(runtime: Runtime, member_id: int, code: str) -> str:
    message = f"{member_id}:{code}".encode()
    return hmac.new(runtime.secret_key.encode(), message, hashlib.sha256).hexdigest()


async def _member_by_email(session: AsyncSession, email: str) -> Member | None:
    member: Member | None = await session.scalar(
        select(Member).where(Member.email == email.strip().lower(), Member.erased_at.is_(None))
    )
    # The address of an account merged into another signs the survivor in.
    return None if member is None else await surviving_member(session, member)


# Codes asked for an email that is no member's are hashed for, and voided under, this id,
# which no member has: the same work as for a member, with nothing to find.
NO_MEMBER = 0


@dataclass(frozen=True)
class SignInMail:
    """The mail carrying a code; ``to`` is None when the email is no member's."""

    to: str | None
    subject: str
    body: str


async def request_sign_in(runtime: Runtime, email: str) -> SignInMail:
    """Writes a one-time code for ``email`` if it is a member's and returns its mail.

    The same steps run either way: the member lookup, the code and its keyed hash, voiding
    earlier codes, one commit, one mail. Only the new code's row and the mail's recipient
    depend on membership; the caller sends the mail after the answer (see
    :func:`send_sign_in_mail`), so a relay's delay never shows in the answer's time.
    """
    code = f"{secrets.randbelow(10**6):06d}"
    async with runtime.db.transaction() as session:
        member = await _member_by_email(session, email)
        member_id = member.id if member is not None else NO_MEMBER
        now = runtime.now()
        code_hash = _code_hash(runtime, member_id, code)
        await session.execute(
            update(SignInCode)
            .where(SignInCode.member_id == member_id, SignInCode.used_at.is_(None))
            .values(used_at=now)
        )
        if member is not None:
            session.add(
                SignInCode(
                    member_id=member.id,
                    code_hash=code_hash,
                    expires_at=now + CODE_LIFETIME,
                    attempts=0,
                    created_at=now,
                )
            )
        to = member.email if member is not None else None
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return SignInMail(
        to, "Your sign-in code", f"Your code is {code}. It works once, for {minutes} minutes."
    )


async def send_sign_in_mail(runtime: Runtime, mail: SignInMail) -> None:
    """Sends a sign-in mail, if it has a recipient; run after the request is answered. A
    relay that fails is logged: the guest simply asks for another code."""
    if mail.to is None:
        return
    try:
        await runtime.mailer.send(mail.to, mail.subject, mail.body)
    except Exception:
        log.exception("the sign-in mail could not be sent")


async def complete_sign_in(runtime: Runtime, email: str, code: str) -> SignedIn:
    """A token for the member whose latest code this is; SIGN_IN_FAILED otherwise, with
    the same message whatever went wrong."""
    async with runtime.db.transaction() as session:
        member = await _member_by_email(session, email)
        pending = None
        if member is not None:
            pending = await session.scalar(
                select(SignInCode)
                .where(SignInCode.member_id == member.id, SignInCode.used_at.is_(None))
                .order_by(SignInCode.id.desc())
                .limit(1)
                .with_for_update()
            )
        accepted = False
        if member is not None and pending is not None:
            now = runtime.now()
            live = pending.expires_at > now and pending.attempts < MAX_ATTEMPTS
            matches = hmac.compare_digest(
                pending.code_hash, _code_hash(runtime, member.id, code.strip())
            )
            if live and matches:
                pending.used_at = now
                accepted = True
            else:
                pending.attempts += 1
    # The failed attempt is counted (committed) before the refusal is raised.
    if not accepted or member is None:
        raise BusinessRuleError(
            ErrorCode.SIGN_IN_FAILED, "That code is wrong, expired or already used.", "code"
        )
    return SignedIn(issue_token(runtime, member.id), member)


def issue_token(runtime: Runtime, member_id: int) -> GuestToken:
    """A signed token acting as member ``member_id`` for :data:`TOKEN_LIFETIME`."""
    now = runtime.now()
    expires = now + TOKEN_LIFETIME
    claims = {
        "sub": str(member_id),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(8),
    }
    return GuestToken(jwt.encode(claims, runtime.secret_key, algorithm="HS256"), expires, member_id)


async def principal_of_token(runtime: Runtime, token: str) -> Principal | None:
    """The guest a token signs in, or ``None`` if it is tampered, expired, or the member
    has been erased. Expiry is judged by the runtime clock, not the machine's."""
    try:
        claims = jwt.decode(
            token,
            runtime.secret_key,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
        member_id = int(claims["sub"])
        expires = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if expires <= runtime.now():
        return None
    async with runtime.db.reading() as session:
        member = await session.get(Member, member_id)
        if member is not None:  # a token of a merged account acts for the survivor
            member = await surviving_member(session, member)
    if member is None or member.erased_at is not None:
        return None
    return Principal(
        role=Role.GUEST,
        client_id=f"guest:{member.id}",
        name=f"guest {member.member_number}",
        member_id=member.id,
    )
