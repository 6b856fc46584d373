"""Guest sign-in for the guest app: a one-time code by email, then a short-lived token.

1. :func:`request_sign_in` mails a six-digit code to a member's registered email. The answer
   is the same whether or not the email belongs to a member, so it reveals nothing.
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
import secrets
from dataclasses import dataclass

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.access import Principal, Role
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services.runtime import Runtime
from staytier.store.models import Member, SignInCode

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


def _code_hash(runtime: Runtime, member_id: int, code: str) -> str:
    message = f"{member_id}:{code}".encode()
    return hmac.new(runtime.secret_key.encode(), message, hashlib.sha256).hexdigest()


async def _member_by_email(session: AsyncSession, email: str) -> Member | None:
    member: Member | None = await session.scalar(
        select(Member).where(Member.email == email.strip().lower(), Member.erased_at.is_(None))
    )
    return member


async def request_sign_in(runtime: Runtime, email: str) -> None:
    """Mails a one-time code if ``email`` is a member's; otherwise does nothing, silently."""
    code = f"{secrets.randbelow(10**6):06d}"
    async with runtime.db.transaction() as session:
        member = await _member_by_email(session, email)
        if member is None:
            return
        now = runtime.now()
        await session.execute(
            update(SignInCode)
            .where(SignInCode.member_id == member.id, SignInCode.used_at.is_(None))
            .values(used_at=now)
        )
        session.add(
            SignInCode(
                member_id=member.id,
                code_hash=_code_hash(runtime, member.id, code),
                expires_at=now + CODE_LIFETIME,
                attempts=0,
                created_at=now,
            )
        )
        to = member.email or ""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    await runtime.mailer.send(
        to,
        "Your sign-in code",
        f"Your code is {code}. It works once, for {minutes} minutes.",
    )


async def complete_sign_in(runtime: Runtime, email: str, code: str) -> GuestToken:
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
    return issue_token(runtime, member.id)


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
    if member is None or member.erased_at is not None:
        return None
    return Principal(
        role=Role.GUEST,
        client_id=f"guest:{member.id}",
        name=f"guest {member.member_number}",
        member_id=member.id,
    )
