"""Erasure everywhere: after ``eraseGuest`` no personal value of the guest is left in any
text or JSON column of any table, whatever the guest did before (stays, partner activity
by webhook, transfers, donations, notes, goodwill, approvals); the books still reconcile.

The scan reads the tables from the models' metadata, so a table added later is scanned too.
"""

from __future__ import annotations

from typing import Any

from tests.access.scenes import (
    DONATE,
    ERASE,
    PERSONAL,
    Scene,
    full_history,
    hits,
    text_at_rest,
    totals,
)
from tests.partners import worker
from tests.privilege_support import ADJUST
from tests.support import ENROLL, new_key

EXPORT = "query($n: String!) { exportGuestData(memberNumber: $n) }"


async def test_after_erasure_no_table_holds_a_personal_value_of_the_guest(scene: Scene) -> None:
    number = await full_history(scene)
    personal = {**PERSONAL, "member number": number}
    before = hits(await text_at_rest(scene.runtime), personal)
    books = await totals(scene.runtime)
    # The history put the values where erasure must find them (the test can fail).
    planted = {
        "partner_requests.payload",
        "partner_webhooks.result",
        "miles_transfers.frequent_flyer_number",
        "ledger_entries.description",
        "guest_approvals.recipient",
        "activities.description",
        "staff_notes.text",
        "idempotency_records.key",
    }
    assert planted <= {column for _, column in before}

    erased = (await scene.admin(ERASE, n=number))["eraseGuest"]

    assert erased["userErrors"] == []
    assert hits(await text_at_rest(scene.runtime), personal) == set()
    assert await totals(scene.runtime) == books  # entries stay, anonymous: totals reconcile
    assert books[0] == books[1]


async def test_the_export_holds_the_webhooks_and_approvals_of_the_guest(scene: Scene) -> None:
    number = await full_history(scene)

    document: dict[str, Any] = (await scene.admin(EXPORT, n=number))["exportGuestData"]

    [receipt] = document["partner_webhooks"]
    assert receipt["result"]["member_number"] == number and receipt["endpoint"] == "card-spend"
    assert len(document["guest_approvals"]) == 3
    assert all("code_hash" not in approval for approval in document["guest_approvals"])
    assert {r["operation"] for r in document["partner_requests"]} == {
        "miles.transfer",
        "charity.donate",
    }


async def test_a_guest_is_erased_once_the_partners_have_their_requests(scene: Scene) -> None:
    enrolled = await scene.admin(ENROLL, input={"firstName": "Zoëlle", "lastName": "Quistorp"})
    number = enrolled["enrollGuest"]["guest"]["memberNumber"]
    adjustment = {"idempotencyKey": new_key(), "memberNumber": number, "points": 5000,
                  "reason": "opening", "author": "ops"}  # fmt: skip
    await scene.admin(ADJUST, input=adjustment)
    donation = {"idempotencyKey": new_key(), "memberNumber": number, "charity": "GREENTREES",
                "points": 2000}  # fmt: skip
    assert (await scene.admin(DONATE, i=donation))["donatePoints"]["userErrors"] == []

    waiting = (await scene.admin(ERASE, n=number))["eraseGuest"]
    await worker(scene.runtime).deliver_due()
    erased = (await scene.admin(ERASE, n=number))["eraseGuest"]

    assert [(e["code"], e["field"]) for e in waiting["userErrors"]] == [
        ("PARTNER_REQUESTS_OPEN", "memberNumber")
    ]
    assert erased["userErrors"] == [] and erased["erasedAt"]
