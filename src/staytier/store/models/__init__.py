"""The tables. Ledger, credit and status rows are only ever inserted: a mistake is mended by
a new row that reverses it, so every balance and every tier can be traced to its causes.

The tables are grouped by capability in the modules of this package. All are imported
here, so ``Base.metadata`` holds every table and ``from staytier.store.models import Member``
works whichever module a table lives in."""

from __future__ import annotations

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
