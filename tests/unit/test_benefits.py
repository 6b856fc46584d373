"""The benefits engine reads grants per tier from the program, not from code."""

from __future__ import annotations

import msgspec

from staytier.domain.benefits import ROOM_GUARANTEE, benefit_for, benefits_for
from staytier.program.loader import FIXTURES, load_program
from staytier.program.model import Benefit, BenefitGrant

DEMO = load_program(FIXTURES / "programs" / "demo.toml").versions[-1]


def test_platinum_gets_4pm_checkout_suite_upgrade_lounge_and_the_48_hour_guarantee() -> None:
    codes = [b.code for b in benefits_for(DEMO, "PLATINUM")]
    assert codes == [
        "LATE_CHECKOUT",
        "ROOM_UPGRADE",
        "WELCOME_GIFT",
        "LOUNGE_ACCESS",
        "ROOM_GUARANTEE",
        "ANNUAL_CHOICE",
    ]
    late = benefit_for(DEMO, "PLATINUM", "LATE_CHECKOUT")
    assert late is not None and late.number("hour") == 16 and late.flag("guaranteed")
    guarantee = benefit_for(DEMO, "PLATINUM", ROOM_GUARANTEE)
    assert guarantee is not None and guarantee.number("window_hours") == 48


def test_silver_late_checkout_is_on_request_and_member_gets_nothing() -> None:
    late = benefit_for(DEMO, "SILVER", "LATE_CHECKOUT")
    assert late is not None and late.number("hour") == 14 and not late.flag("guaranteed")
    assert benefit_for(DEMO, "SILVER", "LOUNGE_ACCESS") is None
    assert benefits_for(DEMO, "MEMBER") == []


def test_welcome_gift_options_come_from_the_program() -> None:
    gift = benefit_for(DEMO, "GOLD", "WELCOME_GIFT")
    assert gift is not None
    assert gift.options() == ("POINTS", "AMENITY")
    assert gift.number("points") == 500


def test_another_program_grants_what_its_file_says() -> None:
    generous = msgspec.structs.replace(
        DEMO,
        benefits=[
            Benefit(
                code="LATE_CHECKOUT",
                name="Late checkout",
                grants=[BenefitGrant(tier="MEMBER", detail="1 pm", params={"hour": 13})],
            )
        ],
    )
    late = benefit_for(generous, "MEMBER", "LATE_CHECKOUT")
    assert late is not None and late.number("hour") == 13
    assert benefit_for(generous, "PLATINUM", "LATE_CHECKOUT") is None
