"""The record: programmes, the publications that made claims about them, each claim as a figure, and events.

Vocabulary and rules follow docs/vocabulary.md. Every closed set is a TextChoices (programmes/choices.py) backed by a named
database constraint, because `choices` alone constrains nothing once data arrives by fixture, import or SQL. One module
a family of models (programme, source, figure, its CSV line, disagreement, event, contradiction, dataset release, draft); everything is importable from programmes.models, choices included.
"""

from programmes.choices import (
    AUDITOR_KINDS,
    PROJECTION_STATUSES,
    Basis,
    DatePrecision,
    EventKind,
    Horizon,
    Measure,
    OrganisationKind,
    ProgrammeKind,
    Qualifier,
    SourceKind,
    SpeaksFor,
    Status,
    Unit,
    choices_constraint,
)
from programmes.models.account import FOLLOWED_REASON, ProgrammeAccount, ProgrammeAccountQuerySet
from programmes.models.applied import AppliedImport
from programmes.models.contradiction import (
    Contradiction,
    ContradictionProgramme,
    ContradictionQuerySet,
    ContradictionSide,
    Shown,
    shown_as_at,
)
from programmes.models.disagreement import Disagreement, DisagreementQuerySet
from programmes.models.draft import Draft, DraftQuerySet
from programmes.models.event import Event, EventQuerySet
from programmes.models.figure import KEY_VALIDATOR, Figure, FigureQuerySet, bounds_of
from programmes.models.line import FigureLine
from programmes.models.programme import InProgrammesMixin, Programme, ProgrammeQuerySet
from programmes.models.release import CHECKSUMS, DatasetRelease, DatasetReleaseFile, Immutable, next_version
from programmes.models.source import Organisation, OrganisationQuerySet, Source, SourceQuerySet, dated, latest_possible

__all__ = [
    "AppliedImport",
    "AUDITOR_KINDS",
    "CHECKSUMS",
    "KEY_VALIDATOR",
    "PROJECTION_STATUSES",
    "Basis",
    "SpeaksFor",
    "Contradiction",
    "DatasetRelease",
    "DatasetReleaseFile",
    "ContradictionProgramme",
    "ContradictionQuerySet",
    "ContradictionSide",
    "DatePrecision",
    "Draft",
    "DraftQuerySet",
    "Disagreement",
    "DisagreementQuerySet",
    "Event",
    "FOLLOWED_REASON",
    "EventKind",
    "EventQuerySet",
    "Figure",
    "FigureLine",
    "FigureQuerySet",
    "Horizon",
    "Immutable",
    "InProgrammesMixin",
    "Measure",
    "Organisation",
    "OrganisationKind",
    "OrganisationQuerySet",
    "Programme",
    "ProgrammeAccount",
    "ProgrammeAccountQuerySet",
    "ProgrammeKind",
    "ProgrammeQuerySet",
    "Qualifier",
    "Source",
    "SourceKind",
    "SourceQuerySet",
    "Shown",
    "Status",
    "Unit",
    "bounds_of",
    "choices_constraint",
    "dated",
    "latest_possible",
    "next_version",
    "shown_as_at",
]
