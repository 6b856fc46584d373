"""The object types of guest profiles: preferences, staff notes, special dates, consent and
the profile history. Kept apart from ``guest_types.py`` so ``Guest`` and the front-desk roots
(``profiles.py``) can both use them."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from staytier.api.graphql.copying import copy_fields
from staytier.domain.preferences import PreferenceSource, SpecialDateKind, occurrences_within
from staytier.program import catalog as catalog_model
from staytier.program.catalog import ConsentPurpose
from staytier.services.profile_views import PreferenceView
from staytier.store import models

PreferenceSourceType = strawberry.enum(PreferenceSource, name="PreferenceSource")
SpecialDateKindType = strawberry.enum(SpecialDateKind, name="SpecialDateKind")
ConsentPurposeType = strawberry.enum(ConsentPurpose, name="ConsentPurpose")


@strawberry.type(description="A category of the preference catalog and what it accepts.")
class PreferenceCategory:
    code: str
    name: str
    group: str
    values: list[str] = strawberry.field(description="Allowed codes; empty for free text.")
    free_text_max_length: int | None
    max_choices: int
    sensitive: bool = strawberry.field(
        description="Stored only with the guest's consent to `consentPurpose`."
    )
    consent_purpose: ConsentPurpose | None

    @classmethod
    def of(cls, category: catalog_model.PreferenceCategory) -> PreferenceCategory:
        return copy_fields(
            cls,
            category,
            values=list(category.values),
            consent_purpose=category.consent_purpose if category.sensitive else None,
        )


@strawberry.type(description="One value a guest holds in a catalog category.")
class Preference:
    category: str
    value: str
    source: PreferenceSource
    property_code: str | None = strawberry.field(description="Where staff noted it.")
    actor: str | None = strawberry.field(description="Who stated it, as given.")
    confidence: int | None = strawberry.field(
        description="Inferred only: the share (percent) of recent stays that chose it."
    )
    sensitive: bool = strawberry.field(
        description="Health, allergies, diet tied to religion: show only to roles that need it."
    )
    recorded_at: dt.datetime

    @classmethod
    def of(cls, row: models.Preference | PreferenceView) -> Preference:
        return copy_fields(cls, row, source=PreferenceSource(row.source))

    @classmethod
    def of_result(cls, item: dict[str, object]) -> Preference:
        """From a service result (see ``services.profiles.stored``)."""
        confidence = item["confidence"]
        return cls(
            category=str(item["category"]),
            value=str(item["value"]),
            source=PreferenceSource(item["source"]),
            property_code=str(item["property_code"]) if item["property_code"] else None,
            actor=str(item["actor"]) if item["actor"] else None,
            confidence=confidence if isinstance(confidence, int) else None,
            sensitive=bool(item["sensitive"]),
            recorded_at=dt.datetime.fromisoformat(str(item["recorded_at"])),
        )


@strawberry.type(description="Free text from staff; for the brand's staff, never partners.")
class StaffNote(relay.Node):
    note_id: relay.NodeID[int]
    text: str
    author: str
    property_code: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: models.StaffNote) -> StaffNote:
        return copy_fields(cls, row, note_id=row.id)


@strawberry.type
class SpecialDate:
    kind: SpecialDateKind
    date: dt.date
    greet: bool = strawberry.field(description="Whether the guest welcomes a greeting.")

    @classmethod
    def of(cls, row: models.SpecialDate) -> SpecialDate:
        return cls(kind=SpecialDateKind(row.kind), date=row.happened_on, greet=row.greet)


@strawberry.type(description="A special date that falls within a stay.")
class SpecialDateDuringStay:
    kind: SpecialDateKind
    date: dt.date = strawberry.field(description="The original date (e.g. of birth).")
    falls_on: dt.date = strawberry.field(description="The day it falls on during the stay.")
    greet: bool

    @classmethod
    def within(
        cls, rows: list[models.SpecialDate], first: dt.date, last: dt.date
    ) -> list[SpecialDateDuringStay]:
        return [
            cls(
                kind=SpecialDateKind(row.kind),
                date=row.happened_on,
                falls_on=day,
                greet=row.greet,
            )
            for row in rows
            for day in occurrences_within(row.month, row.day, first, last)
        ]


@strawberry.type(description="A consent in force: the newest given or withdrawn.")
class Consent(relay.Node):
    consent_id: relay.NodeID[int]
    purpose: ConsentPurpose
    granted: bool
    source: PreferenceSource
    property_code: str | None
    actor: str | None
    recorded_at: dt.datetime

    @classmethod
    def of(cls, row: models.ConsentRecord) -> Consent:
        return copy_fields(
            cls,
            row,
            consent_id=row.id,
            purpose=ConsentPurpose(row.purpose),
            source=PreferenceSource(row.source),
        )


@strawberry.type(description="One change to a guest profile: who, where, when, before, after.")
class ProfileChange(relay.Node):
    change_id: relay.NodeID[int]
    subject: str = strawberry.field(description="PREFERENCE, SPECIAL_DATE or CONSENT.")
    category: str = strawberry.field(description="The category, date kind or purpose.")
    before: list[str]
    after: list[str]
    source: PreferenceSource
    property_code: str | None
    actor: str | None
    sensitive: bool
    changed_at: dt.datetime

    @classmethod
    def of(cls, row: models.ProfileChange) -> ProfileChange:
        return copy_fields(
            cls,
            row,
            change_id=row.id,
            before=list(row.before),
            after=list(row.after),
            source=PreferenceSource(row.source),
        )
