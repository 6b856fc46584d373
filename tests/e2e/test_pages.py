"""/app and /desk in a real browser, against the served demo: what a guest and a front desk
see and do, checked against what the GraphQL API answers for the same credential."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from staytier.program.loader import FIXTURES
from staytier.services.demo import DEMO_FRONT_DESK, DEMO_GUEST, load_demo
from staytier.services.runtime import Runtime
from tests.e2e.browser import DESKTOP, PHONE, browser_page, chromium_path, screenshot
from tests.e2e.conftest import serving
from tests.support import Mailbox, api_key, make_app

KATHERINE = "katherine.johnson@example.com"
GRACE = "grace.hopper@example.com"
PROGRESS = """{ me { points { balance } tierProgress {
  nextTier { name } paths { path current required remaining } } } }"""
ARRIVALS = """query($date: Date!) { arrivals(propertyCode: "NYCTS", date: $date) {
  edges { node { firstName lastName memberNumber tier { name } staffNotes { text }
    complaints { category open } } } } }"""


@dataclasses.dataclass
class Demo:
    url: str
    outbox: Mailbox
    runtime: Runtime

    async def graphql(self, credential: str, document: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.post(
                "/graphql",
                json={"query": document, "variables": variables},
                headers={"Authorization": f"Bearer {credential}"},
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def demo(runtime: Runtime) -> AsyncIterator[Demo]:
    """The demo loaded and served as a deployment serves it (no header: anonymous), with
    mail kept in an outbox so the test reads the sign-in code the guest would get."""
    chromium_path()
    outbox = Mailbox()
    mailing = dataclasses.replace(runtime, mailer=outbox)
    await load_demo(mailing, FIXTURES / "demo")
    async with serving(make_app(mailing, strict=True, desk_refresh_seconds=1)) as url:
        yield Demo(url, outbox, mailing)


async def sign_in(page: Any, demo: Demo, email: str = KATHERINE) -> str:
    """Signs in on /app with the emailed code; returns the token the page holds."""
    await page.goto(f"{demo.url}/app")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_role("button", name="Send me a code").click()
    await page.get_by_label("Six-digit code").wait_for()
    await page.get_by_label("Six-digit code").fill(demo.outbox.last_code())
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.locator("#account").wait_for()
    await page.locator("#ledger-rows tr").first.wait_for()
    token: str = await page.evaluate("sessionStorage.getItem('staytier.guestToken')")
    return token


async def balance_shown(page: Any) -> int:
    return int(re.sub(r"\D", "", await page.locator("#points-balance").inner_text()))


async def test_a_guest_signs_in_with_the_emailed_code_and_sees_her_status(
    demo: Demo, tmp_path: Path
) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        token = await sign_in(page, demo)

        assert await page.locator("#greeting").inner_text() == "Hello, Katherine"
        assert await page.locator("#member-number").inner_text() == DEMO_GUEST
        assert await page.locator("#tier-name").inner_text() == "Silver"
        # The token lives in this tab's session storage only: not in the URL, not in
        # localStorage, not in a cookie.
        assert token and token not in page.url
        assert await page.evaluate("localStorage.length") == 0
        assert await page.context.cookies() == []

        await page.get_by_role("button", name="Sign out").click()
        await page.get_by_label("Email address").wait_for()
        assert await page.evaluate("sessionStorage.getItem('staytier.guestToken')") is None


async def test_a_wrong_code_is_refused_next_to_the_code_field(demo: Demo, tmp_path: Path) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        await page.goto(f"{demo.url}/app")
        await page.get_by_label("Email address").fill(KATHERINE)
        await page.get_by_role("button", name="Send me a code").click()
        await page.get_by_label("Six-digit code").wait_for()
        wrong = "000000" if demo.outbox.last_code() != "000000" else "111111"
        await page.get_by_label("Six-digit code").fill(wrong)
        await page.get_by_role("button", name="Sign in", exact=True).click()

        refusal = page.locator("#enter-code .form-error, #code-error").filter(has_text="code")
        await refusal.first.wait_for()
        assert await page.locator("#account").is_hidden()


async def test_the_progress_bars_show_the_apis_numbers_path_by_path(
    demo: Demo, tmp_path: Path
) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        token = await sign_in(page, demo)
        progress = (await demo.graphql(token, PROGRESS))["me"]["tierProgress"]

        heading = await page.locator("#progress-heading").inner_text()
        assert progress["nextTier"]["name"] in heading
        paths = progress["paths"]
        assert {path["path"] for path in paths} == {"NIGHTS", "STAYS", "BASE_POINTS"}
        for path in paths:
            item = page.locator(f'li.path[data-path="{path["path"]}"]')
            bar = item.locator("progress")
            assert int(await bar.get_attribute("max")) == path["required"]
            assert int(await bar.get_attribute("value")) == min(path["current"], path["required"])
            left = item.locator(".path-left")
            assert int(await left.get_attribute("data-remaining")) == path["remaining"]
            if path["remaining"]:
                assert f"{path['remaining']:,}" in await left.inner_text()
        # Katherine is three nights short of Gold (the demo's story).
        nights = next(path for path in paths if path["path"] == "NIGHTS")
        assert "3 nights to go" in await page.locator('li[data-path="NIGHTS"]').inner_text()
        assert nights["remaining"] == 3


async def test_a_donation_lowers_the_balance_shown_and_posts_to_the_ledger(
    demo: Demo, tmp_path: Path
) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        token = await sign_in(page, demo)
        before = await balance_shown(page)
        assert before == (await demo.graphql(token, PROGRESS))["me"]["points"]["balance"]

        await page.get_by_label("Charity").select_option(label="Green Trees Foundation")
        await page.get_by_label("Points to donate").fill("1000")
        await page.get_by_role("button", name="Donate").click()
        await page.locator("#donate .form-done").wait_for()

        assert await balance_shown(page) == before - 1000
        assert (await demo.graphql(token, PROGRESS))["me"]["points"]["balance"] == before - 1000
        first_row = page.locator("#ledger-rows tr").first
        assert "-1,000" in await first_row.inner_text()


async def test_a_refused_transfer_shows_its_message_next_to_its_field(
    demo: Demo, tmp_path: Path
) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        await sign_in(page, demo)
        before = await balance_shown(page)

        await page.get_by_label("Frequent-flyer number").fill("12345")
        await page.get_by_label("Points to transfer").fill("5000")
        await page.get_by_role("button", name="Transfer").click()

        message = page.locator("#transfer-number-error")
        await message.wait_for()
        assert await message.inner_text() == "'12345' is not a Skyways Airlines number."
        field = page.get_by_label("Frequent-flyer number")
        assert await field.get_attribute("aria-invalid") == "true"
        assert "transfer-number-error" in (await field.get_attribute("aria-describedby") or "")
        assert await page.locator("#transfer-points-error").is_hidden()
        assert await balance_shown(page) == before


async def test_a_guest_sets_a_preference_and_downloads_her_data(demo: Demo, tmp_path: Path) -> None:
    async with browser_page(tmp_path / "profile", PHONE) as page:
        token = await sign_in(page, demo)

        form = page.locator("#set-preference")
        await form.get_by_label("Preference").select_option(label="Bed type")
        await form.get_by_label("Choice").select_option("KING")
        await form.get_by_role("button", name="Save preference").click()
        await form.locator(".form-done").wait_for()
        await page.locator("#preferences-list").get_by_text("Bed type").wait_for()
        mine = await demo.graphql(token, "{ me { preferences { category value source } } }")
        assert {"category": "BED_TYPE", "value": "KING", "source": "GUEST"} in mine["me"][
            "preferences"
        ]

        async with page.expect_download() as started:
            await page.get_by_role("button", name="Download my data").click()
        download = await started.value
        assert download.suggested_filename == f"staytier-{DEMO_GUEST}.json"
        saved = Path(await download.path())
        exported = json.loads(await asyncio.to_thread(saved.read_text))
        assert DEMO_GUEST in json.dumps(exported)


async def test_the_desk_board_lists_tonights_demo_arrivals_with_what_to_apply(
    demo: Demo, tmp_path: Path
) -> None:
    key = await api_key(demo.runtime, "front_desk", properties=[DEMO_FRONT_DESK])
    tonight = demo.runtime.today().isoformat()  # NYCTS is in New York; the clock at 10:00 there
    expected = (await demo.graphql(key, ARRIVALS, date=tonight))["arrivals"]["edges"]
    async with browser_page(tmp_path / "profile", DESKTOP) as page:
        await connect_desk(page, demo, key)

        cards = page.locator("#arrivals li.arrival")
        assert await cards.count() == len(expected) == 2
        for edge in expected:
            guest = edge["node"]
            card = page.locator(f'li.arrival[data-member="{guest["memberNumber"]}"]')
            text = await card.inner_text()
            assert f"{guest['firstName']} {guest['lastName']}" in text
            assert guest["tier"]["name"] in text
            for note in guest["staffNotes"]:
                assert note["text"] in text
            for complaint in guest["complaints"]:
                state = "still open" if complaint["open"] else "resolved recently"
                category = complaint["category"].replace("_", " ").capitalize()
                assert f"{category}: a complaint {state}" in text
        # The demo has a complaint to make good on tonight's arrivals.
        assert any(edge["node"]["complaints"] for edge in expected)
        katherine = await page.locator(f'li.arrival[data-member="{DEMO_GUEST}"]').inner_text()
        assert "Birthday" in katherine and "Floor: High floor" in katherine
        assert page.url == f"{demo.url}/desk"  # the key never travels in the URL


async def connect_desk(page: Any, demo: Demo, key: str) -> None:
    await page.goto(f"{demo.url}/desk")
    await page.get_by_label("Front-desk key").fill(key)
    await page.get_by_label("Property code").fill(DEMO_FRONT_DESK)
    await page.get_by_role("button", name="Show tonight's arrivals").click()
    await page.locator("#arrivals li.arrival").first.wait_for()


async def test_a_bad_desk_key_is_refused_next_to_the_key_field(demo: Demo, tmp_path: Path) -> None:
    async with browser_page(tmp_path / "profile", DESKTOP) as page:
        await page.goto(f"{demo.url}/desk")
        await page.get_by_label("Front-desk key").fill("stk_000000000000_not-a-key")
        await page.get_by_label("Property code").fill(DEMO_FRONT_DESK)
        await page.get_by_role("button", name="Show tonight's arrivals").click()
        await page.locator("#connect-key-error").wait_for()
        assert "not valid" in await page.locator("#connect-key-error").inner_text()
        assert await page.evaluate("sessionStorage.getItem('staytier.frontDeskKey')") is None


async def test_the_board_refreshes_by_itself_and_the_guest_card_records_notes(
    demo: Demo, tmp_path: Path
) -> None:
    key = await api_key(demo.runtime, "front_desk", properties=[DEMO_FRONT_DESK])
    async with browser_page(tmp_path / "profile", DESKTOP) as page:
        await connect_desk(page, demo, key)
        alan = page.locator('li.arrival[data-member="1000000040"]')

        # Another desk adds a note through the API: the board shows it without a reload.
        note = """mutation($input: AddStaffNoteInput!) { addStaffNote(input: $input) {
          userErrors { message } } }"""
        added = await demo.graphql(
            key,
            note,
            input={
                "memberNumber": "1000000040",
                "propertyCode": DEMO_FRONT_DESK,
                "author": "Robin",
                "text": "Asked for a cot in the room.",
            },
        )
        assert added["addStaffNote"]["userErrors"] == []
        await alan.get_by_text("Asked for a cot in the room.", exact=False).wait_for()

        # This desk opens the guest card, records a preference and a note there.
        await alan.get_by_role("button", name="Open the guest card of Alan Turing").click()
        card = page.locator("#card")
        await card.wait_for()
        await card.get_by_label("Preference").select_option("BED_TYPE")
        await card.get_by_label("Choice").select_option("TWIN")
        await card.locator("#card-preference-actor").fill("Lee")
        await card.get_by_role("button", name="Save preference").click()
        await card.locator("#card-preference .form-done").wait_for()
        await card.get_by_label("Note").fill("Early riser: breakfast at 6.")
        await card.get_by_role("button", name="Save note").click()
        await card.locator("#card-note .form-done").wait_for()

        await alan.get_by_text("Early riser: breakfast at 6.", exact=False).wait_for()
        assert "Bed type: Twin" in await alan.inner_text()


async def test_search_finds_a_guest_and_opens_the_card(demo: Demo, tmp_path: Path) -> None:
    key = await api_key(demo.runtime, "front_desk", properties=[DEMO_FRONT_DESK])
    async with browser_page(tmp_path / "profile", DESKTOP) as page:
        await connect_desk(page, demo, key)
        await page.get_by_label("Name, member number, email or phone").fill("hopper")
        await page.get_by_role("button", name="Search", exact=True).click()
        await page.locator("#search-results").get_by_role("button", name="Grace Hopper").click()
        await page.locator("#card-heading").filter(has_text="Grace Hopper").wait_for()
        assert "Admiral" in await page.locator("#card").inner_text()


QUOTE = """query($a: Date!, $d: Date!) {
  awardQuote(propertyCode: "NYCTS", arrivalDate: $a, departureDate: $d) { points } }"""


async def test_the_desk_redeems_an_award_stay_with_the_guests_approval_code(
    demo: Demo, tmp_path: Path
) -> None:
    """Where the service asks for the guest's approval, the desk is refused without it, the
    guest gets a code in /app for exactly that spending, and the desk redeems with it."""
    key = await api_key(demo.runtime, "front_desk", properties=[DEMO_FRONT_DESK])
    arrival = demo.runtime.today() + dt.timedelta(days=30)
    departure = arrival + dt.timedelta(days=1)
    price = (await demo.graphql(key, QUOTE, a=arrival.isoformat(), d=departure.isoformat()))[
        "awardQuote"
    ]["points"]
    async with browser_page(tmp_path / "profile", DESKTOP) as app:
        token = await sign_in(app, demo, GRACE)  # Platinum, with points for a night in NYC
        before = (await demo.graphql(token, PROGRESS))["me"]["points"]["balance"]
        assert before >= price
        desk = await app.context.new_page()
        await connect_desk(desk, demo, key)
        await desk.get_by_label("Name, member number, email or phone").fill(GRACE)
        await desk.get_by_role("button", name="Search", exact=True).click()
        await desk.locator("#search-results").get_by_role("button", name="Grace Hopper").click()
        form = desk.locator("#card-redeem")
        await form.get_by_label("Arrival").fill(arrival.isoformat())
        await form.get_by_label("Departure").fill(departure.isoformat())
        await form.get_by_text(f"This stay costs {price:,} points").wait_for()
        approvals = await form.get_by_label("Guest's approval code").count() == 1

        if approvals:
            await form.get_by_role("button", name="Redeem").click()
            refusal = desk.locator("#card-redeem-approval-error")
            await refusal.wait_for()
            assert "needs the guest's approval" in await refusal.inner_text()

            panel = app.locator("#approve")
            await panel.get_by_label("What the desk redeems").select_option("AWARD_STAY")
            await panel.get_by_label("Hotel").select_option(DEMO_FRONT_DESK)
            await panel.get_by_label("Points the desk quoted").fill(str(price))
            await panel.get_by_role("button", name="Get a code").click()
            await panel.locator("#approve-result").wait_for()
            code = (await panel.locator("#approve-code").inner_text()).strip()
            assert code.isdigit()
            await form.get_by_label("Guest's approval code").fill(code)

        await form.get_by_role("button", name="Redeem").click()
        await form.locator(".form-done").filter(has_text="Redeemed").wait_for()
        after = (await demo.graphql(token, PROGRESS))["me"]["points"]["balance"]
        assert after == before - price
        await desk.close()


async def axe_violations(page: Any) -> list[str]:
    """Serious and critical findings of axe-core run in the page."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


async def test_both_pages_pass_axe_without_serious_violations(demo: Demo, tmp_path: Path) -> None:
    key = await api_key(demo.runtime, "front_desk", properties=[DEMO_FRONT_DESK])
    async with browser_page(tmp_path / "phone", PHONE) as page:
        await page.goto(f"{demo.url}/app")
        assert await axe_violations(page) == []
        await sign_in(page, demo)
        assert await axe_violations(page) == []
        await screenshot(page, "pages-app-phone")
    async with browser_page(tmp_path / "desktop", DESKTOP) as page:
        await sign_in(page, demo)
        await screenshot(page, "pages-app")
        await page.goto(f"{demo.url}/desk")
        assert await axe_violations(page) == []
        await connect_desk(page, demo, key)
        await page.get_by_role("button", name="Open the guest card of Katherine Johnson").click()
        await page.locator("#card").wait_for()
        assert await axe_violations(page) == []
        await screenshot(page, "pages-desk")
