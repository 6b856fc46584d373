"""Stay messages as a property system may send them, for the property-based tests: the
Hypothesis strategies of messages, a model of the stays as the property system last
successfully sent them, and ``apply``, which sends one message and checks the answer against
the model. Written independently of ``staytier.domain``: only the program's numbers are
borrowed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from hypothesis import strategies as st

from staytier.services.runtime import Runtime
from tests.support import RECORD_STAY, GraphQLClient, new_key, stay_input

D = dt.date
CURRENCY = {"NYCTS": "USD", "PAROP": "EUR", "LONKX": "GBP", "TYOGZ": "JPY", "SINMB": "SGD"}
RATE_CODES = ("BAR", "STAFF", "AWARD")
SLOTS = 3  # confirmation numbers per example: few enough that messages collide often


CANCEL_STAY = """
mutation Cancel($input: CancelStayInput!) {
  cancelStay(input: $input) {
    stay { status }
    userErrors { code field message }
  }
}
"""


# --- what a property system may send -------------------------------------------------------


@dataclass(frozen=True)
class Folio:
    arrival: dt.date
    nights: int
    rate_code: str
    room: Decimal
    fb: Decimal

    @property
    def checkout(self) -> dt.date:
        return self.arrival + dt.timedelta(days=self.nights)


@dataclass(frozen=True)
class Record:
    """recordStay with a status and a folio (a new folio on a completed stay corrects it)."""

    slot: int
    status: str
    folio: Folio


@dataclass(frozen=True)
class Resend:
    """recordStay again with the stay's current status and folio, under a new key."""

    slot: int


@dataclass(frozen=True)
class Cancel:
    """cancelStay: before arrival, or a late cancellation of a completed stay."""

    slot: int


Operation = Record | Resend | Cancel

money = st.integers(min_value=0, max_value=300_000).map(lambda cents: Decimal(cents) / 100)
folios = st.builds(
    Folio,
    # Completed stays end by the test clock's day (2 March): arrivals up to 15 nights before.
    arrival=st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 2, 14)),
    nights=st.integers(min_value=1, max_value=15),
    rate_code=st.sampled_from(RATE_CODES),
    room=money,
    fb=st.integers(min_value=0, max_value=30_000).map(lambda cents: Decimal(cents) / 100),
)
slots = st.integers(min_value=0, max_value=SLOTS - 1)


def operation(kind: str) -> st.SearchStrategy[Operation]:
    if kind == "RESEND":
        return st.builds(Resend, slot=slots)
    if kind == "CANCEL":
        return st.builds(Cancel, slot=slots)
    return st.builds(Record, slot=slots, status=st.just(kind), folio=folios)


# Checkouts (so corrections too) and cancellations come up more often than the rest, so that
# credits are often taken back again and revoke the status they had earned.
KINDS = ["BOOKED", "COMPLETED", "COMPLETED", "COMPLETED", "CANCELLED", "NO_SHOW", "RESEND"]
operations = st.sampled_from([*KINDS, "CANCEL", "CANCEL"]).flatmap(operation)


# --- the model: the stays as the property system last successfully sent them ---------------


@dataclass
class StayState:
    property_code: str
    status: str
    folio: Folio


@dataclass
class Model:
    properties: list[str]
    stays: dict[int, StayState] = field(default_factory=dict)


# A stay only moves forward; None: the trade does not say, either answer is acceptable.
def transition_allowed(current: str | None, new: str) -> bool | None:
    if current is None or current == "BOOKED":
        return True
    if current == "COMPLETED":
        return new in ("COMPLETED", "CANCELLED")
    if current == new or (current, new) == ("NO_SHOW", "CANCELLED"):
        return None
    return False


def base_points(runtime: Runtime, state: StayState) -> int:
    folio = state.folio
    rules = runtime.rules_on(folio.checkout)
    lines = {"room": folio.room, "food_and_beverage": folio.fb, "other": Decimal(0)}
    local = sum((lines[line] for line in rules.earning.eligible_revenue), Decimal(0))
    rate = runtime.rates.usd_per_unit(CURRENCY[state.property_code], folio.checkout)
    assert rate is not None
    usd = (local * rate).quantize(Decimal("0.01"))
    return int((usd * rules.earning.base_points_per_usd).to_integral_value(ROUND_FLOOR))


# --- talking to the service ----------------------------------------------------------------


def confirmation(number: str, slot: int) -> str:
    return f"{number}-{slot}"


def record_input(number: str, model: Model, slot: int, status: str, folio: Folio) -> dict[str, Any]:
    return stay_input(
        number,
        confirmation=confirmation(number, slot),
        property_code=model.properties[slot],
        status=status,
        arrival=folio.arrival,
        nights=folio.nights,
        rate_code=folio.rate_code,
        room=str(folio.room),
        fb=str(folio.fb),
    )


async def apply(client: GraphQLClient, number: str, model: Model, op: Operation) -> bool:
    """Sends ``op``; checks it was accepted or refused as the trade expects, updates the
    model when it was accepted, and says whether it was."""
    current = model.stays.get(op.slot)
    if isinstance(op, Cancel):
        data = await client(
            CANCEL_STAY,
            input={
                "idempotencyKey": new_key(),
                "propertyCode": model.properties[op.slot],
                "confirmationNumber": confirmation(number, op.slot),
            },
        )
        payload = data["cancelStay"]
        codes = [e["code"] for e in payload["userErrors"]]
        if current is None:
            assert codes == ["STAY_NOT_FOUND"], payload
            return False
        status, folio = "CANCELLED", current.folio
    else:
        if isinstance(op, Resend):
            if current is None:
                return False  # nothing to resend
            status, folio = current.status, current.folio
        else:
            status, folio = op.status, op.folio
        fields = record_input(number, model, op.slot, status, folio)
        payload = (await client(RECORD_STAY, input=fields))["recordStay"]
        codes = [e["code"] for e in payload["userErrors"]]
    allowed = transition_allowed(current.status if current else None, status)
    accepted = codes == []
    if allowed is not None:
        assert accepted == allowed, (current, status, payload)
    if not accepted:
        assert codes == ["INVALID_STATUS_TRANSITION"], payload
        assert payload["stay"] is None
        return False
    assert payload["stay"]["status"] == status
    model.stays[op.slot] = StayState(model.properties[op.slot], status, folio)
    return True
