"""The tables. Ledger, credit and status rows are only ever inserted: a mistake is mended by
a new row that reverses it, so every balance and every tier can be traced to its causes.

The tables are grouped by capability in the modules of this package. All are imported
here, so ``Base.metadata`` holds every table and ``from staytier.store.models import Member``
works whichever module a table lives in."""

from __future__ import annotations

from sqlalchemy.orm import relationship

from staytier.store.models.base import NAMING, Base
from staytier.store.models.books import (
    Activity,
    Credit,
    LedgerEntry,
    Member,
    Property,
    QualifyingCredit,
    StatusPeriod,
    Stay,
    StayRevision,
)
from staytier.store.models.engagement import (
    Complaint,
    StatusGrant,
    StayReview,
    SurveyInvitation,
    SweepstakesDraw,
    SweepstakesEntry,
)
from staytier.store.models.insight import ProgramSimulation, SimulatedMove
from staytier.store.models.operations import (
    ApiClient,
    AuditEntry,
    GuestApproval,
    IdempotencyRecord,
    JobRun,
    MemberPartner,
    PartnerRequest,
    PartnerWebhook,
    SchedulerLease,
    SignInCode,
)
from staytier.store.models.privileges import (
    AwardRedemption,
    BenefitUsage,
    Certificate,
    Donation,
    MilesTransfer,
    RoomGuarantee,
)
from staytier.store.models.profiles import (
    BirthdayBonus,
    ConsentRecord,
    MemberSearchTerm,
    Preference,
    ProfileChange,
    SpecialDate,
    StaffNote,
)
from staytier.store.models.promotions import (
    PromotionAward,
    PromotionBudget,
    PromotionRegistration,
    Referral,
    ReferralCode,
)
from staytier.store.models.sharing import (
    MemberMerge,
    PointsPool,
    PointsTransfer,
    PoolContribution,
    PoolMembership,
)


def _parents_inserted_first() -> None:
    """Gives every foreign key between two tables a many-to-one relationship that is never
    loaded (``lazy="raise"``) nor set: its one effect is on the order of a flush, which
    then inserts a referenced row before the rows that refer to it. Without it the unit of
    work orders tables by name, which is only safe while each parent is flushed before its
    children are added; a batch that hands out ids ahead of its one flush (see
    :mod:`staytier.store.deferred`) holds both. A table's references to itself are left
    out: rows of one table are inserted in the order they were added."""
    mappers = {mapper.local_table: mapper for mapper in Base.registry.mappers}
    for mapper in list(mappers.values()):
        for key in sorted(mapper.local_table.foreign_keys, key=lambda k: k.parent.name):
            parent = mappers.get(key.column.table)
            if parent is None or parent is mapper:
                continue
            mapper.add_property(
                f"_inserted_after_{key.parent.name}",
                relationship(parent.class_, foreign_keys=[key.parent], lazy="raise", cascade=""),
            )


_parents_inserted_first()

__all__ = [
    "NAMING",
    "Activity",
    "ApiClient",
    "AuditEntry",
    "AwardRedemption",
    "Base",
    "BenefitUsage",
    "BirthdayBonus",
    "Certificate",
    "Complaint",
    "ConsentRecord",
    "Credit",
    "Donation",
    "GuestApproval",
    "IdempotencyRecord",
    "JobRun",
    "LedgerEntry",
    "Member",
    "MemberMerge",
    "MemberPartner",
    "MemberSearchTerm",
    "MilesTransfer",
    "PartnerRequest",
    "PartnerWebhook",
    "PointsPool",
    "PointsTransfer",
    "PoolContribution",
    "PoolMembership",
    "Preference",
    "ProfileChange",
    "ProgramSimulation",
    "PromotionAward",
    "PromotionBudget",
    "PromotionRegistration",
    "Property",
    "QualifyingCredit",
    "Referral",
    "ReferralCode",
    "RoomGuarantee",
    "SchedulerLease",
    "SignInCode",
    "SimulatedMove",
    "SpecialDate",
    "StaffNote",
    "StatusGrant",
    "StatusPeriod",
    "Stay",
    "StayReview",
    "StayRevision",
    "SurveyInvitation",
    "SweepstakesDraw",
    "SweepstakesEntry",
]
