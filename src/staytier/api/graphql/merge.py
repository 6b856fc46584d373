"""Account merge: an administrator merges a duplicate member into the surviving one."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_as, member_payload
from staytier.api.graphql.permissions import AdminOnly
from staytier.api.graphql.types import Guest
from staytier.services import merge


@strawberry.type(description="What a merge did with one kind of row the duplicate owned.")
class MergedRows:
    table: str = strawberry.field(description="The table and column, e.g. stays.member_id.")
    moved: int
    kept: int = strawberry.field(
        description="Rows left with the duplicate because the survivor held their like."
    )


@strawberry.type(description="The report of a merge: what moved from the duplicate.")
class MemberMergeReport:
    survivor_member_number: str
    duplicate_member_number: str
    reason: str
    merged_by: str
    merged_at: dt.datetime
    points_moved: int
    consents_withdrawn: int
    pools_left: int
    rows: list[MergedRows]
    requalified_years: list[int]


@strawberry.type
class MergeMembersPayload:
    report: MemberMergeReport | None = None
    guest: Guest | None = strawberry.field(default=None, description="The survivor.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: merge.Merged, guest: Guest | None) -> MergeMembersPayload:
        return cls(report=report_of(result), guest=guest)


@strawberry.input
class MergeMembersInput:
    idempotency_key: str
    survivor_member_number: str = strawberry.field(description="The account that stays.")
    duplicate_member_number: str = strawberry.field(
        description="The account merged into it; its number resolves to the survivor after."
    )
    reason: str


def report_of(merged: merge.Merged) -> MemberMergeReport:
    row, survivor, duplicate = merged.merge, merged.survivor, merged.duplicate
    tables = row.report.get("tables", {})
    points = row.report.get("points", {}).get("ledger_entries.member_id", {})
    return copy_fields(
        MemberMergeReport,
        row,
        survivor_member_number=survivor.member_number,
        duplicate_member_number=duplicate.member_number,
        points_moved=int(points.get("moved", 0)),
        consents_withdrawn=int(tables.get("consent_records.member_id", {}).get("withdrawn", 0)),
        pools_left=int(tables.get("pool_memberships.member_id", {}).get("left", 0)),
        rows=[
            MergedRows(table=name, moved=int(counts["moved"]), kept=int(counts["kept"]))
            for name, counts in sorted(tables.items())
            if "moved" in counts
        ],
        requalified_years=list(row.report.get("requalifiedYears", [])),
    )


@strawberry.type
class MergeMutation:
    @strawberry.mutation(
        description="Administrators: merges a duplicate account into the surviving one.",
        permission_classes=[AdminOnly],
    )
    async def merge_members(
        self, info: Info[Context, None], input: MergeMembersInput
    ) -> MergeMembersPayload:
        context = info.context
        command = merge.MergeMembers(
            idempotency_key=input.idempotency_key,
            survivor_member_number=input.survivor_member_number.strip(),
            duplicate_member_number=input.duplicate_member_number.strip(),
            reason=input.reason,
        )
        merged = attempt_as(context, merge.merge_members, command)
        return await member_payload(info, MergeMembersPayload, merged)
