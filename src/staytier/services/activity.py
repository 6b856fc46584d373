"""Crediting qualifying activity from partners: co-brand card spend, meetings, promotions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.activity import ActivityCredit, activity_credit
from staytier.domain.bounds import activity_points_mistake, amount_mistake, date_mistake
from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.points import LedgerKind
from staytier.domain.promotions import PromotionEvent
from staytier.domain.stays import usd
from staytier.domain.tiers import YearTotals
from staytier.program.model import ActivityRule, ProgramVersion
from staytier.services.crediting import post_credit
from staytier.services.idempotency import run_command_once
from staytier.services.members import member_for_update, require_guest_name
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.store.models import Activity, Member
from staytier.store.queries import status_periods


@dataclass(frozen=True)
class RecordActivity:
    """One piece of qualifying activity reported by a named source, for the guest named
    on it (who must be the member, see :mod:`staytier.domain.guest_names`)."""

    idempotency_key: str
    member_number: str
    source: str
    kind: str
    occurred_on: dt.date
    amount: Decimal = Decimal(0)
    currency: str = "USD"
    points: int = 0
    reference: str | None = None
    description: str = ""
    guest_last_name: str = field(kw_only=True)
    guest_first_name: str | None = field(default=None, kw_only=True)


class ActivityRecorded(msgspec.Struct, frozen=True):
    """What recordActivity wrote: the activity and whose it is."""

    activity_id: int
    member_id: int


async def record_activity(
    runtime: Runtime, command: RecordActivity, *, scope: str = ""
) -> ActivityRecorded:
    """Credits the activity by the program's rule for its source and kind."""

    async def work(session: AsyncSession) -> ActivityRecorded:
        member = await member_for_update(session, command.member_number)
        require_guest_name(member, command.guest_last_name, command.guest_first_name)
        rules = runtime.rules_on(command.occurred_on)
        rule, rate = _checked(runtime, rules, command)
        year = qualification_year(command.occurred_on, rules.qualification.year_start_month)
        amount_usd = usd(command.amount, rate)
        before_amount, before_count = await _year_so_far(
            session, member.id, rule.source, rule.kind, year
        )
        credit = activity_credit(
            rule,
            amount_usd,
            command.points,
            year_amount_before=before_amount,
            year_count_before=before_count,
        )
        too_many = activity_points_mistake(credit.points, rules.limits, "amount")
        if too_many is not None:
            raise too_many
        activity = Activity(
            member_id=member.id,
            source=rule.source,
            kind=rule.kind,
            amount_usd=amount_usd,
            partner_points=command.points,
            occurred_on=command.occurred_on,
            qualification_year=year,
            reference=command.reference,
            description=command.description[:200],
            created_at=runtime.now(),
        )
        session.add(activity)
        await session.flush()
        await _credit(session, runtime, member, activity, command, rule, credit, rules)
        return ActivityRecorded(activity_id=activity.id, member_id=member.id)

    return await run_command_once(
        runtime, ActivityRecorded, "recordActivity", command, work, scope=scope
    )


def _checked(
    runtime: Runtime, rules: ProgramVersion, command: RecordActivity
) -> tuple[ActivityRule, Decimal]:
    """The program's rule for the activity and its currency's rate in USD; every mistake of
    the command at once (InvalidInput) otherwise."""
    rule = rules.activity_rule(command.source, command.kind)
    mistakes: list[BusinessRuleError] = []
    if rule is None:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_ACTIVITY,
                f"The program credits no activity {command.source}/{command.kind}.",
                "kind",
            )
        )
    wrong_amount = amount_mistake(command.amount, "amount", "The amount")
    # Activity is reported once it happened; a day of slack for partners ahead of UTC.
    wrong_date = date_mistake(
        command.occurred_on,
        "occurredOn",
        starts_on=runtime.program.starts_on,
        today=runtime.today() + dt.timedelta(days=1),
        limits=rules.limits,
        not_after_today=True,
    )
    mistakes += [wrong for wrong in (wrong_amount, wrong_date) if wrong is not None]
    if command.points < 0:
        mistakes.append(
            BusinessRuleError(ErrorCode.INVALID_AMOUNT, "Points must not be negative.", "points")
        )
    mistakes += too_long(("reference", command.reference, 100))
    rate = runtime.rates.usd_per_unit(command.currency, command.occurred_on)
    if rate is None:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_CURRENCY,
                f"No exchange rate is known for {command.currency!r}.",
                "currency",
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)
    assert rule is not None and rate is not None
    return rule, rate


async def _credit(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    activity: Activity,
    command: RecordActivity,
    rule: ActivityRule,
    credit: ActivityCredit,
    rules: ProgramVersion,
) -> None:
    """Posts the activity's credit: its ledger entry, its qualifying totals and what a
    promotion adds for it."""
    label = command.description or rule.description or f"{rule.source} {rule.kind}"
    held = tier_code_held(
        await status_periods(session, member.id), command.occurred_on, rules.base_tier.code
    )
    event = PromotionEvent(
        on=command.occurred_on,
        tier_code=held,
        eligible_usd=activity.amount_usd,
        activity_source=rule.source,
        activity_kind=rule.kind,
    )
    await post_credit(
        session,
        runtime,
        member,
        kind="ACTIVITY",
        on=command.occurred_on,
        activity_id=activity.id,
        years={
            activity.qualification_year: YearTotals(credit.nights, credit.stays, credit.base_points)
        },
        entries=[(LedgerKind(rule.ledger_kind), credit.points, label)],
        detail={"source": rule.source, "kind": rule.kind, "amount_usd": str(activity.amount_usd)},
        field="amount",
        promotion_event=event,
        promotion_label=label,
    )


async def _year_so_far(
    session: AsyncSession, member_id: int, source: str, kind: str, year: int
) -> tuple[Decimal, int]:
    rows = (
        (
            await session.execute(
                select(Activity.amount_usd).where(
                    Activity.member_id == member_id,
                    Activity.source == source,
                    Activity.kind == kind,
                    Activity.qualification_year == year,
                )
            )
        )
        .scalars()
        .all()
    )
    # Summed here, not in SQL: amounts are exact decimals stored as text on SQLite.
    return sum(rows, Decimal(0)), len(rows)
