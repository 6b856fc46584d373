"""What merging a duplicate account into a surviving one does to each row a member owns.

Every column that refers to a member is classified here, by table and column name, so a
merge is decided by data rather than by a list of statements someone must remember to
extend: ``tests/access/test_merge_everywhere.py`` reads the tables from the models'
metadata and fails while a member column is not classified. Pure rules; the service
(``services/merge.py``) applies them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from staytier.domain.errors import BusinessRuleError, ErrorCode


class MergeRule(enum.Enum):
    # Re-pointed to the survivor: the row is about the person, whichever account held it.
    MOVE = "MOVE"
    # Re-pointed unless the survivor already holds a row with the same ``held_by`` values
    # (its own preference in a category, its birthday bonus of a year); those stay with the
    # duplicate and the merge report lists them as kept.
    MOVE_UNLESS_HELD = "MOVE_UNLESS_HELD"
    # Stays with the duplicate: the closed account's own history (its ledger, its audit).
    KEEP = "KEEP"
    # Stays, and the service writes what the survivor gets by a rule of its own (a closing
    # ledger entry, the most restrictive consent, the end of a pool membership).
    COMBINE = "COMBINE"


@dataclass(frozen=True)
class ColumnMerge:
    rule: MergeRule
    why: str
    # For MOVE_UNLESS_HELD: the columns that say the survivor already holds such a row.
    held_by: tuple[str, ...] = ()


def _move(why: str) -> ColumnMerge:
    return ColumnMerge(MergeRule.MOVE, why)


def _unless(why: str, *held_by: str) -> ColumnMerge:
    return ColumnMerge(MergeRule.MOVE_UNLESS_HELD, why, held_by)


def _keep(why: str) -> ColumnMerge:
    return ColumnMerge(MergeRule.KEEP, why)


def _combine(why: str) -> ColumnMerge:
    return ColumnMerge(MergeRule.COMBINE, why)


# (table, column) → what a merge does with the duplicate's rows.
MERGE_RULES: dict[tuple[str, str], ColumnMerge] = {
    ("stays", "member_id"): _move("the guest's stays: corrections credit the survivor"),
    ("activities", "member_id"): _move("partner activity of the guest"),
    ("credits", "member_id"): _move("a later reversal of a moved stay reverses on the survivor"),
    ("qualifying_credits", "member_id"): _move("nights and stays count for the survivor's years"),
    ("ledger_entries", "member_id"): _combine(
        "never edited: MERGE_OUT closes the duplicate's balance, MERGE_IN credits the survivor"
    ),
    ("status_periods", "member_id"): _move(
        "the tier held is the best period covering a day, so the best status wins"
    ),
    ("member_search_terms", "member_id"): _unless("the survivor is found by either name", "term"),
    ("preferences", "member_id"): _unless(
        "the survivor's own choice in a category wins", "category"
    ),
    ("staff_notes", "member_id"): _move("what staff know of the guest"),
    ("special_dates", "member_id"): _unless("the survivor's own dates win", "kind"),
    ("consent_records", "member_id"): _combine(
        "the history stays; the survivor gets the most restrictive consent of the two"
    ),
    ("profile_changes", "member_id"): _keep("the duplicate's own profile history"),
    ("birthday_bonuses", "member_id"): _unless("one birthday bonus a year", "year"),
    ("partner_requests", "member_id"): _move("an outcome settles on the member holding the points"),
    ("partner_webhooks", "member_id"): _move("receipts of what partners credited the guest"),
    ("member_partners", "member_id"): _unless("partners that may see the guest", "partner_code"),
    ("sign_in_codes", "member_id"): _keep(
        "codes of the closed account; sign-in resolves to the survivor"
    ),
    ("guest_approvals", "member_id"): _keep("an approval binds the account that gave it"),
    ("audit_entries", "member_id"): _keep("who did what, as it happened"),
    ("award_redemptions", "member_id"): _move("a cancelled award stay refunds the survivor"),
    ("certificates", "member_id"): _unless(
        "one certificate per milestone and year", "qualification_year", "milestone_nights"
    ),
    ("benefit_usages", "member_id"): _unless(
        "once-per-stay choices stay once", "benefit_code", "once_key"
    ),
    ("donations", "member_id"): _move("a refused donation refunds the survivor"),
    ("miles_transfers", "member_id"): _move("a refused transfer refunds the survivor"),
    ("room_guarantees", "member_id"): _move("a compensation is credited to the survivor"),
    ("simulated_moves", "member_id"): _keep("a what-if's snapshot of the past"),
    ("complaints", "member_id"): _move("open complaints show on the survivor's next arrival"),
    ("status_grants", "member_id"): _move("matches, challenges and gifts the guest holds"),
    ("status_grants", "giver_member_id"): _move("gifts given count against the survivor's year"),
    ("survey_invitations", "member_id"): _move("an open survey can still be answered"),
    ("stay_reviews", "member_id"): _move("reviews of moved stays"),
    ("sweepstakes_entries", "member_id"): _move("entries follow the nights that earned them"),
    ("points_pools", "owner_member_id"): _combine("a pool the duplicate owns is closed"),
    ("pool_memberships", "member_id"): _combine("the duplicate leaves any pool it is in"),
    ("pool_contributions", "member_id"): _keep("entries on the duplicate's ledger"),
    ("pool_contributions", "owner_member_id"): _keep("entries on the owner's ledger"),
    ("points_transfers", "sender_member_id"): _move(
        "points sent count against the survivor's year"
    ),
    ("points_transfers", "recipient_member_id"): _move("points received count likewise"),
    ("promotion_registrations", "member_id"): _unless(
        "a registration counts for the survivor unless it registered itself", "promotion_code"
    ),
    ("promotion_awards", "member_id"): _move(
        "rewards count against the survivor's limits; a reversal of a moved stay takes them back"
    ),
    ("referral_codes", "member_id"): _keep("the survivor gives friends its own code"),
    ("referrals", "referrer_id"): _move("friends the duplicate referred count for the survivor"),
    ("referrals", "friend_id"): _keep(
        "who referred the duplicate stays with it: a guest is referred once, as one account"
    ),
    ("member_merges", "survivor_member_id"): _keep("earlier merges as they were reported"),
    ("member_merges", "duplicate_member_id"): _keep("earlier merges as they were reported"),
}


@dataclass(frozen=True)
class MergeParty:
    """What the rules need to know of one side of a merge."""

    member_number: str
    erased: bool
    merged: bool
    lifetime_tier: str | None


def merge_refusal(survivor: MergeParty, duplicate: MergeParty) -> BusinessRuleError | None:
    """Why the duplicate cannot be merged into the survivor, if it cannot."""
    if survivor.member_number == duplicate.member_number:
        return BusinessRuleError(
            ErrorCode.MERGE_INTO_SELF,
            "A member cannot be merged into itself.",
            "duplicateMemberNumber",
        )
    for party, field in ((duplicate, "duplicateMemberNumber"), (survivor, "survivorMemberNumber")):
        if party.erased:
            return BusinessRuleError(
                ErrorCode.MEMBER_ERASED,
                f"Member {party.member_number} was erased; an erased account is not merged.",
                field,
            )
        if party.merged:
            return BusinessRuleError(
                ErrorCode.MEMBER_ALREADY_MERGED,
                f"Member {party.member_number} was already merged into another member.",
                field,
            )
    if survivor.lifetime_tier is not None and duplicate.lifetime_tier is not None:
        return BusinessRuleError(
            ErrorCode.LIFETIME_STATUS_CONFLICT,
            f"Both members hold lifetime status ({survivor.lifetime_tier} and "
            f"{duplicate.lifetime_tier}); lifetime status is earned by one account, so an "
            "administrator must settle it before the accounts are merged.",
            "duplicateMemberNumber",
        )
    return None


def most_restrictive_consent(survivor_granted: bool, duplicate_granted: bool) -> bool:
    """A purpose stays consented only if both accounts consented to it."""
    return survivor_granted and duplicate_granted
