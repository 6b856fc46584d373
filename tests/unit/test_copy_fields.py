"""Object types that show a row under the same names copy its fields (copy_fields)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.privilege_types import Donation
from staytier.api.graphql.tier_types import GuestTier
from staytier.store import models


def donation_row() -> models.Donation:
    return models.Donation(
        id=7,
        member_id=1,
        charity="GREENTREES",
        points=5000,
        status="CONFIRMED",
        donated_on=dt.date(2026, 3, 1),
        reason="",
    )


def test_a_donation_shows_its_row_under_the_same_names_and_its_id_as_its_number() -> None:
    shown = Donation.of(donation_row())
    assert (shown.donation_id, shown.number) == (7, 7)
    assert (shown.charity, shown.points, shown.status) == ("GREENTREES", 5000, "CONFIRMED")
    assert (shown.donated_on, shown.reason) == (dt.date(2026, 3, 1), "")


def test_given_fields_win_over_the_source_and_need_not_be_on_it() -> None:
    tier = SimpleNamespace(code="GOLD", name="Gold", rank=2, lifetime=False)
    shown = copy_fields(GuestTier, tier, valid_through=dt.date(2027, 12, 31), lifetime=True)
    assert (shown.code, shown.name, shown.rank) == ("GOLD", "Gold", 2)
    assert shown.valid_through == dt.date(2027, 12, 31) and shown.lifetime


def test_a_field_the_source_lacks_is_an_error_not_a_silent_null() -> None:
    with pytest.raises(AttributeError, match="valid_through"):
        copy_fields(GuestTier, SimpleNamespace(code="GOLD", name="Gold", rank=2, lifetime=False))


def test_only_strawberry_types_are_built() -> None:
    with pytest.raises(TypeError, match="SimpleNamespace"):
        copy_fields(SimpleNamespace, SimpleNamespace())
