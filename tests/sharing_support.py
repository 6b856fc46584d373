"""Points between members, shared by the integration tests: the transfer and points-pool
documents, and merging a duplicate account into the survivor."""

from __future__ import annotations

from typing import Any

from tests.support import new_key

TRANSFER = """
mutation($i: TransferPointsInput!) { transferPoints(input: $i) {
  transfer { points recipientMemberNumber year }
  guest { points { balance } } userErrors { code field message } } }"""
POOL_FIELDS = """pool { id name ownerMemberNumber pooledPoints
  members { memberNumber state owner contributedPoints } }
  guest { points { balance } } userErrors { code field message }"""
CREATE = (
    f"mutation($i: CreatePointsPoolInput!) {{ createPointsPool(input: $i) {{ {POOL_FIELDS} }} }}"
)
INVITE = f"""mutation($i: InviteToPointsPoolInput!) {{
  inviteToPointsPool(input: $i) {{ {POOL_FIELDS} }} }}"""
JOIN = f"mutation($i: JoinPointsPoolInput!) {{ joinPointsPool(input: $i) {{ {POOL_FIELDS} }} }}"
LEAVE = f"mutation($i: LeavePointsPoolInput!) {{ leavePointsPool(input: $i) {{ {POOL_FIELDS} }} }}"
CONTRIBUTE = f"""mutation($i: ContributeToPointsPoolInput!) {{
  contributeToPointsPool(input: $i) {{ {POOL_FIELDS} }} }}"""


MERGE = """
mutation($i: MergeMembersInput!) { mergeMembers(input: $i) {
  report { survivorMemberNumber duplicateMemberNumber reason pointsMoved consentsWithdrawn
           rows { table moved kept } requalifiedYears }
  guest { memberNumber tier { code } points { balance } }
  userErrors { code field message } } }"""


def merge_input(survivor: str, duplicate: str) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "survivorMemberNumber": survivor,
        "duplicateMemberNumber": duplicate,
        "reason": "enrolled twice, desk and online",
    }
