"""Merge everywhere: every column of every table that refers to a member says what merging
a duplicate account does with it (``domain/merge.MERGE_RULES``), and after a merge of a
member who did everything, only the rows meant to stay with the duplicate still name it.

The columns are read from the models' metadata, so a table added later fails the first
test until its member columns are classified.
"""

from __future__ import annotations

from sqlalchemy import func, select

from staytier.domain.merge import MERGE_RULES, MergeRule
from staytier.services.merge import COMBINED, member_columns
from staytier.store.models import LedgerEntry, Member
from tests.access.scenes import ERASE, PERSONAL, Scene, full_history, hits, text_at_rest, totals
from tests.support import ENROLL, new_key

MERGE = """mutation($i: MergeMembersInput!) { mergeMembers(input: $i) {
  guest { memberNumber points { balance } } userErrors { code field message } } }"""


def test_every_member_column_is_classified_for_merge() -> None:
    columns = {(table.name, column.name) for table, column in member_columns()}

    missing = sorted(f"{t}.{c}" for t, c in columns - MERGE_RULES.keys())
    stale = sorted(f"{t}.{c}" for t, c in MERGE_RULES.keys() - columns)

    assert missing == [], f"say in domain/merge.MERGE_RULES what a merge does with {missing}"
    assert stale == [], f"MERGE_RULES names columns no table has: {stale}"


def test_every_rule_can_be_applied() -> None:
    tables = {table.name: table for table, _ in member_columns()}
    for (table, column), rule in MERGE_RULES.items():
        if rule.rule is MergeRule.COMBINE:
            assert (table, column) in COMBINED, f"{table}.{column}: no combining rule"
        if rule.rule is MergeRule.MOVE_UNLESS_HELD:
            assert rule.held_by and set(rule.held_by) <= set(tables[table].c.keys())
        assert rule.why


async def test_after_a_merge_only_the_kept_rows_name_the_duplicate(scene: Scene) -> None:
    duplicate = await full_history(scene)
    enrolled = await scene.admin(ENROLL, input={"firstName": "Zoëlle", "lastName": "Quistorp"})
    survivor = enrolled["enrollGuest"]["guest"]["memberNumber"]
    async with scene.runtime.db.reading() as session:
        duplicate_id = await session.scalar(
            select(Member.id).where(Member.member_number == duplicate)
        )
    books = await totals(scene.runtime)

    merged = await scene.admin(
        MERGE,
        i={
            "idempotencyKey": new_key(),
            "survivorMemberNumber": survivor,
            "duplicateMemberNumber": duplicate,
            "reason": "enrolled twice",
        },
    )

    assert merged["mergeMembers"]["userErrors"] == []
    left: dict[str, int] = {}
    async with scene.runtime.db.reading() as session:
        for table, column in member_columns():
            count = await session.scalar(
                select(func.count()).select_from(table).where(column == duplicate_id)
            )
            if count:
                left[f"{table.name}.{column.name}"] = int(count)
        closed = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.member_id == duplicate_id
            )
        )
    moved = {f"{t}.{c}" for (t, c), rule in MERGE_RULES.items() if rule.rule is MergeRule.MOVE}
    assert not moved & left.keys(), f"rows left behind: {moved & left.keys()}"
    assert "stays.member_id" not in left and "ledger_entries.member_id" in left
    assert closed == 0  # the duplicate's ledger is closed by its MERGE_OUT entry
    assert await totals(scene.runtime) == books  # nothing created or lost


POOL = """mutation($i: CreatePointsPoolInput!) {
  createPointsPool(input: $i) { userErrors { code } } }"""


async def test_erasing_the_survivor_erases_the_merged_account_too(scene: Scene) -> None:
    duplicate = await full_history(scene)
    enrolled = await scene.admin(ENROLL, input={"firstName": "Zoëlle", "lastName": "Quistorp"})
    survivor = enrolled["enrollGuest"]["guest"]["memberNumber"]
    async with scene.runtime.db.reading() as session:
        survivor_id = await session.scalar(
            select(Member.id).where(Member.member_number == survivor)
        )
    app = await scene.admin.acting_as("guest", member_id=survivor_id)
    pool = {"idempotencyKey": new_key(), "name": "Quistorp household"}
    assert (await app(POOL, i=pool))["createPointsPool"]["userErrors"] == []
    await app.aclose()
    merged = await scene.admin(
        MERGE,
        i={
            "idempotencyKey": new_key(),
            "survivorMemberNumber": survivor,
            "duplicateMemberNumber": duplicate,
            "reason": "Zoëlle Quistorp enrolled twice",
        },
    )
    assert merged["mergeMembers"]["userErrors"] == []
    personal = {**PERSONAL, "member number": duplicate, "survivor number": survivor}
    assert ("last name", "points_pools.name") in hits(await text_at_rest(scene.runtime), personal)
    books = await totals(scene.runtime)

    erased = (await scene.admin(ERASE, n=survivor))["eraseGuest"]

    assert erased["userErrors"] == []
    assert hits(await text_at_rest(scene.runtime), personal) == set()
    assert await totals(scene.runtime) == books
