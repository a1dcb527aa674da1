"""The place side's models, one module per topic, re-exported here for `broedplaats.models`."""

from broedplaats.models.accounts import ApiToken, IdempotentRequest  # noqa: F401
from broedplaats.models.allocation import (  # noqa: F401
    ACTIVE_APPLICATION_STATUSES,
    APPLICATION_TRANSITIONS,
    AllocationMethod,
    ApplicantNote,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Call,
    Offer,
    OfferStatus,
    Screening,
    SocialReturn,
    SocialReturnKind,
)
from broedplaats.models.matching import (  # noqa: F401
    COMMITTEE_MAX,
    FIT_COMPONENTS,
    AllocationRound,
    ApplicationChoice,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Pathway,
    PathwayPriority,
    PathwayStep,
    RoundChange,
    RoundEntry,
    RoundStatus,
)
from broedplaats.models.places import (  # noqa: F401
    Building,
    City,
    ClusterType,
    EndReason,
    Facility,
    FacilityCode,
    OperatorKind,
    Policy,
    PolicyRentCap,
    Space,
    SpaceKind,
    SpacePhoto,
    Tenancy,
    normalize_postcode,
    rent_per_m2_year,
    space_photo_upload_to,
)
from broedplaats.models.privacy import Erasure, ErasureRequest  # noqa: F401
from broedplaats.models.scheduling import ScheduledRun  # noqa: F401
from broedplaats.models.throughput import (  # noqa: F401
    Figure,
    FigureSnapshot,
    PublicFigure,
    StageSpell,
    ThroughputRefresh,
)
