"""The closed sets of the record, each a TextChoices that a named database constraint enforces (choices_constraint).

They live apart from the models so that the rules (programmes/rules/) can read them without importing the models.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def choices_constraint(field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    """A named check that a column holds one of its TextChoices values."""
    allowed = list(choices.values)
    return models.CheckConstraint(condition=Q(**{f"{field}__in": allowed}), name=f"%(app_label)s_%(class)s_{field}_valid")


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    BEFORE = "before", "Undated, before this day"


class ProgrammeKind(models.TextChoices):
    STRATEGY = "strategy", "Strategy"
    CENTRE = "centre", "Shared service centre"
    CLUSTER = "cluster", "Cluster"


class OrganisationKind(models.TextChoices):
    GOVERNMENT = "government", "Central government (Cabinet Office, HM Treasury)"
    DEPARTMENT = "department", "Department, agency or programme"
    MINISTER = "minister", "Minister"
    AUDIT_BODY = "audit_body", "Audit body (National Audit Office)"
    COMMITTEE = "committee", "Parliamentary committee"
    SUPPLIER = "supplier", "Supplier"
    PUBLICATION = "publication", "Publication (press, analyst, aggregator)"
    OTHER = "other", "Other"


# Bodies whose own findings are "audited": the NAO, and the Public Accounts Committee reporting on its work.
AUDITOR_KINDS = {OrganisationKind.AUDIT_BODY, OrganisationKind.COMMITTEE}


class SourceKind(models.TextChoices):
    AUDIT_REPORT = "audit_report", "Audit report"
    COMMITTEE_REPORT = "committee_report", "Committee report"
    COMMITTEE_EVIDENCE = "committee_evidence", "Committee evidence"
    STRATEGY = "strategy", "Strategy"
    PRESS_RELEASE = "press_release", "Press release"
    NEWS_ARTICLE = "news_article", "News article"
    PARLIAMENTARY_ANSWER = "parliamentary_answer", "Parliamentary answer"
    MINISTERIAL_STATEMENT = "ministerial_statement", "Ministerial statement"
    CONTRACT_NOTICE = "contract_notice", "Contract notice"
    OFFICIAL_PUBLICATION = "official_publication", "Official publication"


class Measure(models.TextChoices):
    SAVINGS = "savings", "Savings"
    SAVINGS_NPV = "savings_npv", "Savings (net present value)"
    SAVINGS_RATE = "savings_rate", "Savings rate"
    INVESTMENT = "investment", "Investment (cost)"
    COST_OVERRUN = "cost_overrun", "Cost overrun"
    NET_BENEFIT = "net_benefit", "Net benefit"
    FUNDING_REQUESTED = "funding_requested", "Funding requested"
    FUNDING_APPROVED = "funding_approved", "Funding approved"
    FUNDING_GAP = "funding_gap", "Funding gap"
    BASELINE_COST = "baseline_cost", "Baseline cost"
    UNIT_COST = "unit_cost", "Unit cost"
    CONTRACT_VALUE = "contract_value", "Contract value"
    CONTRACT_TERM = "contract_term", "Contract term"
    REVENUE = "revenue", "Revenue"
    PROCEEDS = "proceeds", "Sale proceeds"
    WRITE_OFF = "write_off", "Write-off"
    COVERAGE = "coverage", "Coverage"
    DELAY = "delay", "Delay"
    DEADLINE = "deadline", "Deadline"


class Status(models.TextChoices):
    TARGET = "target", "Target"
    FORECAST = "forecast", "Forecast"
    CLAIMED = "claimed", "Claimed"
    AUDITED = "audited", "Audited"


# Only a target or a forecast can look ahead; "claimed" and "audited" report what happened.
PROJECTION_STATUSES = (Status.TARGET, Status.FORECAST)


class Basis(models.TextChoices):
    ANNUAL = "annual", "Annual"
    CUMULATIVE = "cumulative", "Cumulative"
    ONE_OFF = "one_off", "One-off"
    POINT_IN_TIME = "point_in_time", "Point in time"


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exact"
    APPROX = "approx", "About"
    # "over £100m" and "at least £100m" say different things and read back as the source wrote them; for whether two
    # figures can both be right they admit the same bound (rules.interval_of), since the stated number is rounded.
    OVER = "over", "Over (more than)"
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "Up to"
    UNKNOWN = "unknown", "Not known"


class Unit(models.TextChoices):
    GBP_M = "gbp_m", "£ million"
    PERCENT = "percent", "Percent"
    COUNT = "count", "Count"
    YEAR = "year", "Calendar year"
    YEARS = "years", "Years"
    MONTHS = "months", "Months"
    GBP_PER_FTE = "gbp_per_fte", "£ per full-time employee"


class Horizon(models.TextChoices):
    OUTTURN = "outturn", "Outturn: about a period that had ended when it was stated"
    PROJECTION = "projection", "Projection: about a period still running or to come"


class SpeaksFor(models.TextChoices):
    """What a figure speaks for within its programme: only the whole programme, or all its parts summed, heads a card."""

    WHOLE = "whole", "The programme as a whole"
    ALL_PARTS = "all_parts", "All its centres or clusters together"
    MEMBERS = "members", "One or some of its centres, departments or workstreams"
    OWN = "own", "A customer's or supplier's own saving or cost"
    OTHER = "other", "Another quantity: a wider total, one cost line or a benchmark"


class EventKind(models.TextChoices):
    LAUNCH = "launch", "Launch"
    DEADLINE_MOVED = "deadline_moved", "Deadline moved"
    DEPARTURE = "departure", "Departure"
    REPORT = "report", "Report"
    CONTRACT = "contract", "Contract"
    MILESTONE = "milestone", "Milestone"
    RESTRUCTURE = "restructure", "Restructure"
