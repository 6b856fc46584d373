"""Promotion budgets: the points a promotion may give in all, claimed reward by reward.

Each reward's points are claimed from the promotion's budget row under a row lock, with an
update that only succeeds while the budget holds (:func:`claim`): concurrent stays queue on
that row, and the last ones get what is left, then nothing. A reversal gives its points
back (:func:`give_back`).
"""

from __future__ import annotations

from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from staytier.domain.promotions import within_budget
from staytier.program.promotions import Promotion
from staytier.store.deferred import deferring
from staytier.store.models import PromotionBudget
from staytier.store.queries import rows_changed


async def claim(session: AsyncSession, promotion: Promotion, points: int) -> int:
    """Takes ``points`` (or what is left of the budget) from the promotion's budget row and
    returns what was taken. The row is locked first (PostgreSQL; SQLite writers are already
    serialised), and the update adds only while the total stays within the budget, so no
    interleaving of transactions can spend more than the budget. A session that defers its
    writes (a night audit) keeps the row's spending in hand instead: see
    :class:`HeldBudgets`."""
    if points <= 0:
        return 0
    budget = promotion.limits.budget_points
    if deferring(session):
        held = HeldBudgets.of(session)
        spent = await held.spent(session, promotion.code)
        granted = within_budget(points, budget, spent)
        held.change(promotion.code, granted)
        return granted
    spent = await _locked_spending(session, promotion.code)
    granted = within_budget(points, budget, spent)
    if granted == 0:
        return 0
    statement = update(PromotionBudget).where(PromotionBudget.promotion_code == promotion.code)
    if budget is not None:
        statement = statement.where(PromotionBudget.spent_points + granted <= budget)
    claimed = await rows_changed(
        session,
        statement.values(spent_points=PromotionBudget.spent_points + granted).execution_options(
            synchronize_session=False
        ),
    )
    return granted if claimed == 1 else 0


def _written_before_commit(session: Session) -> None:
    """Refuses to commit promotion budget spending held in hand and never written: the
    books would show points given that no budget paid for."""
    held: HeldBudgets | None = session.info.get(HeldBudgets._KEY)
    if held is not None and any(held._changes.values()):
        raise RuntimeError("promotion budget spending held and not written before commit")


async def _locked_spending(session: AsyncSession, code: str) -> int:
    """The points spent from the promotion's budget, its row (made if missing) locked for
    the rest of the transaction: two statements."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(PromotionBudget)
        .values(promotion_code=code, spent_points=0)
        .on_conflict_do_nothing(index_elements=["promotion_code"])
    )
    spent = await session.scalar(
        select(PromotionBudget.spent_points)
        .where(PromotionBudget.promotion_code == code)
        .with_for_update()
    )
    return int(spent or 0)


class HeldBudgets:
    """The budget rows a deferring session (see :mod:`staytier.store.deferred`) has locked,
    with what its stays took from or gave back to each. The first claim of a promotion
    locks its row and reads its spending (as a single stay does); later ones, in the same
    transaction, count on from it without a statement, which is exact since no other
    transaction can change a locked row. :meth:`write` adds the total to each row, one
    UPDATE a promotion, before the transaction commits. Each claim used to be an UPDATE of
    its own, which flushed everything the batch held before it."""

    _KEY = "staytier_held_budgets"

    def __init__(self) -> None:
        self._spent: dict[str, int] = {}
        self._changes: dict[str, int] = {}

    @classmethod
    def of(cls, session: AsyncSession) -> HeldBudgets:
        info = session.sync_session.info
        if cls._KEY not in info:
            info[cls._KEY] = cls()
            event.listen(session.sync_session, "before_commit", _written_before_commit)
        held: HeldBudgets = info[cls._KEY]
        return held

    async def spent(self, session: AsyncSession, code: str) -> int:
        if code not in self._spent:
            # The budget row is no row of the batch's: what the batch holds can wait.
            with session.no_autoflush:
                self._spent[code] = await _locked_spending(session, code)
        return self._spent[code] + self._changes.get(code, 0)

    def change(self, code: str, points: int) -> None:
        """``points`` taken from the row of ``code`` (given back when negative)."""
        if points:
            self._changes[code] = self._changes.get(code, 0) + points

    @classmethod
    async def write(cls, session: AsyncSession) -> None:
        """Adds what the session's stays took from each budget to its row."""
        held: HeldBudgets | None = session.sync_session.info.pop(cls._KEY, None)
        if held is None:
            return
        for code, points in sorted(held._changes.items()):
            if points:
                await _add_spending(session, code, points)


async def give_back(session: AsyncSession, code: str, points: int) -> None:
    """Returns ``points`` a reversed reward took to the budget of the promotion ``code``."""
    if not points:
        return
    if deferring(session):
        held = HeldBudgets.of(session)
        await held.spent(session, code)  # locked, as the UPDATE would
        held.change(code, -points)
        return
    await _add_spending(session, code, -points)


async def _add_spending(session: AsyncSession, code: str, points: int) -> None:
    """Adds ``points`` (negative: gives them back) to what the promotion ``code`` spent."""
    await session.execute(
        update(PromotionBudget)
        .where(PromotionBudget.promotion_code == code)
        .values(spent_points=PromotionBudget.spent_points + points)
        .execution_options(synchronize_session=False)
    )
