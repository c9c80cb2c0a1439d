"""Figures: each claim a source makes about a programme."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote, urlencode

from concurrency.fields import IntegerVersionField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from programmes import fiscal, formatting, rules
from programmes.choices import (
    PROJECTION_STATUSES,
    Basis,
    Horizon,
    Measure,
    Qualifier,
    SpeaksFor,
    Status,
    Unit,
    choices_constraint,
)
from programmes.limits import NOTE_LENGTH, up_to
from programmes.models.figure_queries import FigureQuerySet
from programmes.models.programme import Programme
from programmes.models.source import Organisation, Source

KEY_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Use letters, digits, dots, hyphens or underscores, starting with a letter or digit (for example F041).",
)


def bounds_of(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """Figure.bounds from the three stored columns."""
    if value is not None:
        return (value, value)
    if low is not None and high is not None:
        return (low, high)
    return None


class Figure(models.Model):
    Measure = Measure
    Status = Status
    Basis = Basis
    Qualifier = Qualifier
    Unit = Unit
    Horizon = Horizon
    SpeaksFor = SpeaksFor

    key = models.CharField(
        max_length=40,
        blank=True,
        validators=[KEY_VALIDATOR],
        help_text="Identifier in the cited dataset (e.g. F041). Leave blank for a figure entered here.",
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="figures")
    description = models.CharField(max_length=300, help_text="What was claimed, in a short plain phrase.")
    scope = models.CharField(
        max_length=120,
        blank=True,
        help_text="What the figure counts, when it is less than the whole programme: e.g. DfT shared services programme, "
        "NHS Shared Business Services, the two independent centres. Blank means the whole programme. "
        "Figures are compared only within one scope.",
    )
    speaks_for = models.CharField(
        max_length=12,
        choices=SpeaksFor.choices,
        default=SpeaksFor.WHOLE,
        db_default=SpeaksFor.WHOLE,
        help_text="What the figure speaks for. Only the programme as a whole, or all its centres or clusters summed, heads "
        "the programme's card; a member's figure is shown as that member's, and a customer's own saving or another "
        "quantity (a wider total, one cost line, a benchmark) never is.",
    )
    revises = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revised_by",
        help_text="When this figure is a revision of an earlier estimate the same source also gives (a revised forecast "
        "beside the original estimate), that estimate: it no longer speaks for the programme once revised.",
    )
    part_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        help_text="When this figure is one component of a larger sum that another figure states, that figure. Parts are never compared with totals.",
    )
    claimant = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="Who made the claim, which is often not who published it: the Cabinet Office's estimate reported by a trade paper "
        "has the Cabinet Office as claimant. An audited figure is an audit body's own finding.",
    )
    scenario = models.CharField(
        max_length=80,
        blank=True,
        help_text="For alternatives stated together, which case this is, e.g. with HMRC, without HMRC. Figures of different scenarios are never compared.",
    )
    milestone = models.CharField(
        max_length=120,
        blank=True,
        # In the database too: bulk tools that insert figures by SQL (the benchmarks) need not know the column.
        default="",
        db_default="",
        help_text="For a deadline only: what is due, in a short phrase, e.g. all departments on cloud ERP. Only deadlines for the same "
        "milestone are read as one deadline that moved; a deadline with none never is.",
    )
    horizon = models.CharField(
        max_length=12,
        choices=Horizon.choices,
        help_text="Outturn: the period had ended when the source stated it. Projection: it had not. Only an outturn can be a delivery.",
    )
    measure = models.CharField(max_length=24, choices=Measure.choices)
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        help_text="Target: an ambition. Forecast: a projection. Claimed: reported by government or a supplier, unverified. "
        "Audited: found or validated by the NAO or PAC.",
    )
    basis = models.CharField(
        max_length=16,
        choices=Basis.choices,
        help_text="Annual: a yearly run-rate. Cumulative: a total over the period. One-off: a single cost. Point in time: a count at a date.",
    )
    qualifier = models.CharField(
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text='"about £1.8bn" is About, "over £1.4bn" is Over, "at least £25m" is At least, "up to £1bn" is Up to. '
        "Not known: the source says the amount is unknown.",
    )
    as_published = models.CharField(
        max_length=120,
        blank=True,
        help_text='The value as the source wrote it, e.g. "over £115m", "about 1,000", "£400–600m", "≥25", "15%".',
    )
    value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="A single number. Leave blank for a range."
    )
    value_low = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Low end of a range, e.g. 400 for £400–600m."
    )
    value_high = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="High end of a range, e.g. 600 for £400–600m."
    )
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.GBP_M, help_text="Money is always in £ millions, nominal.")
    period_start = fiscal.FinancialYearField(
        null=True, blank=True, help_text="First financial year covered, e.g. 2013-14. Blank if unknown or open."
    )
    period_end = fiscal.FinancialYearField(
        null=True, blank=True, help_text="Last financial year covered, e.g. 2015-16. Blank if unknown or open."
    )
    period_as_published = models.CharField(
        max_length=80,
        blank=True,
        # In the database too: bulk tools that insert figures by SQL (the benchmarks) need not know the column.
        default="",
        db_default="",
        help_text='The period as the source wrote it, e.g. "by 2028-29", "since 2021", "15 years", "programme life"; '
        "the financial years and length it fixes are stored with it (fiscal.parse_period).",
    )
    period_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text='The length of the period in years, where the source states one ("15 years").'
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="figures", help_text="The publication that states this figure."
    )
    locator = models.CharField(max_length=200, blank=True, help_text="Where in the source: page, paragraph, figure or table.")
    note = models.TextField(
        max_length=NOTE_LENGTH,
        validators=[MaxLengthValidator(NOTE_LENGTH)],
        blank=True,
        help_text="A short caveat, e.g. where another source disagrees. Paraphrase; quote under 25 words. " + up_to(NOTE_LENGTH),
    )
    version = IntegerVersionField(help_text="Changes on every save, so that two editors cannot overwrite each other.")
    # rules.quantity_key, stored on every save: figures of one quantity are one indexed lookup, and the disagreement
    # flags (programmes/flags.py) are recomputed for the quantities a write touches.
    quantity = models.CharField(
        max_length=500, editable=False, db_index=True, help_text="What the figure measures, as rules.quantity_key spells it."
    )
    # rules.like_for_like_key, stored on every save beside the quantity: whether a claim was ever audited is then one
    # indexed lookup of the audited figures of its key (scrutiny.never_audited_count), not a read of every claim.
    like_for_like = models.CharField(
        max_length=500,
        editable=False,
        default="",
        db_default="",
        help_text="What the figure measures but for its status, as rules.like_for_like_key spells it.",
    )
    pick_candidate = models.BooleanField(
        default=False,
        db_default=False,
        editable=False,
        help_text="Whether the rules could pick this figure for a card line or a chart's summary today (programmes/candidates.py keeps it).",
    )
    disagreement_count = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text="How many figures disagree with this one today (programmes/flags.py keeps it)."
    )

    objects = FigureQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["quantity", "like_for_like", "pick_candidate", "disagreement_count"])

    class Meta:
        ordering = ["programme__started", "programme__name", "measure", "period_start", "source__published", "id"]
        constraints = [
            choices_constraint("measure", Measure),
            choices_constraint("status", Status),
            choices_constraint("basis", Basis),
            choices_constraint("qualifier", Qualifier),
            choices_constraint("unit", Unit),
            choices_constraint("horizon", Horizon),
            choices_constraint("speaks_for", SpeaksFor),
            models.CheckConstraint(
                condition=Q(horizon=Horizon.OUTTURN) | Q(status__in=PROJECTION_STATUSES),
                name="%(app_label)s_%(class)s_projection_is_not_a_delivery",
            ),
            models.CheckConstraint(condition=~Q(part_of=models.F("id")), name="%(app_label)s_%(class)s_not_part_of_itself"),
            models.CheckConstraint(
                condition=(
                    (Q(value__isnull=False, value_low__isnull=True, value_high__isnull=True) & ~Q(qualifier="unknown"))
                    | (
                        Q(value__isnull=True, value_low__isnull=False, value_high__isnull=False, value_low__lte=models.F("value_high"))
                        & ~Q(qualifier="unknown")
                    )
                    | Q(value__isnull=True, value_low__isnull=True, value_high__isnull=True, qualifier="unknown")
                ),
                name="%(app_label)s_%(class)s_value_or_range",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(period_years__isnull=True) | Q(period_years__gte=1), name="%(app_label)s_%(class)s_period_has_a_length"
            ),
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="%(app_label)s_%(class)s_unique_key"),
        ]
        # The downloads stream figures in id order: each filter they offer on a column of the figure itself finds its rows
        # in that order from one of these, with no sort (docs/benchmarks.md has the plans at a million figures).
        indexes = [
            # A figure's canonical address is its dataset key (/figures/F041/).
            models.Index(fields=["key"], name="figure_key"),
            models.Index(fields=["programme", "id"], name="figure_programme_in_order"),
            models.Index(fields=["measure", "id"], name="figure_measure_in_order"),
            models.Index(fields=["status", "id"], name="figure_status_in_order"),
            models.Index(fields=["basis", "id"], name="figure_basis_in_order"),
            models.Index(fields=["unit", "id"], name="figure_unit_in_order"),
            # A claim's audited figures of its key, found directly: a key can hold thousands of claims and no audit.
            models.Index(fields=["like_for_like", "status"], name="figure_like_for_like"),
            # A page's candidates (programmes/candidates.py): a few per programme, read without touching the rest.
            models.Index(fields=["programme"], condition=Q(pick_candidate=True), name="figure_pick_candidates"),
            # The few revisions alone: an index of every figure's (almost always empty) revises_id told SQLite's planner
            # that a revision lookup returns most of the table, so it scanned a measure's figures for each figure instead.
            models.Index(fields=["revises"], condition=Q(revises__isnull=False), name="figure_revisions"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.slug}: {self.measure_display} {self.display_value} ({self.get_status_display().lower()})"

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def save(self, *args, **kwargs) -> None:
        # The quantity this figure had before the save: its flags, and its old group's, are recomputed after it.
        self.previous_quantity = self.quantity
        # And the estimate it revised before: a save that changes or clears that recomputes the estimate's candidates too.
        stored = Figure.objects.filter(pk=self.pk).values_list("revises_id", flat=True) if self.pk else []
        self.previous_revises_id = next(iter(stored), None)
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Set the stored quantity and like-for-like key (bulk_create skips save(), so the import calls this itself)."""
        self.quantity = rules.quantity_key(self)
        self.like_for_like = rules.like_for_like_key(self)

    def get_absolute_url(self) -> str:
        """The figure's page at its dataset key where it has one (links survive a fresh install), else at its id."""
        if self.key:
            return reverse("dashboard:figure-key", args=[self.key])
        return reverse("dashboard:figure-detail", args=[self.pk])

    def get_disagreements_url(self) -> str:
        """Where its ⚑ leads: the group of its quantity on /disagreements/ (the page that holds it, at its anchor)."""
        return reverse("dashboard:disagreements") + "?" + urlencode({"group": self.quantity}) + "#" + quote(self.quantity, safe="/")

    @property
    def measure_display(self) -> str:
        return self.get_measure_display().lower()

    @property
    def display_value(self) -> str:
        return formatting.quantity(self.value, self.value_low, self.value_high, self.unit, self.qualifier)

    @property
    def period_display(self) -> str:
        """The period for a table cell: its financial years, else what the source gave ("15 years"), else ""."""
        return fiscal.stated(self.period_start, self.period_end, self.period_years, self.period_as_published)

    @property
    def period_phrase(self) -> str:
        """The period as a sentence says it: "over 2013-14 to 2015-16", "over 15 years"."""
        return fiscal.phrase(self.period_start, self.period_end, self.period_years, self.period_as_published)

    @property
    def period_published_differs(self) -> bool:
        """Whether the source's words for the period say more than its financial years do ("by 2028-29" beside "to 2028-29")."""
        text = self.period_as_published.strip()
        return bool(text) and text != self.period_display

    @property
    def is_range(self) -> bool:
        return self.value is None and self.value_low is not None

    @property
    def is_projection(self) -> bool:
        """Whether the figure is about a period still running or to come when it was stated: never shown as delivered."""
        return self.horizon == Horizon.PROJECTION

    @property
    def is_own_statement(self) -> bool:
        """Whether the claimant published the source itself (rules.is_own_statement); otherwise the publisher only reported it."""
        return rules.is_own_statement(self)

    def same_quantity(self) -> list[tuple[Figure, bool]]:
        """The other figures of this figure's quantity, oldest source first, each with whether it disagrees with this one (rules.disagree)."""
        others = Figure.objects.same_quantity_as(self).order_by("source__published", "pk")
        return [(other, rules.disagree(self, other)) for other in others]

    @property
    def is_unknown(self) -> bool:
        return self.qualifier == Qualifier.UNKNOWN

    @property
    def bounds(self) -> tuple[Decimal, Decimal] | None:
        """The figure as (low, high); a point is (value, value). None when unknown. Ranges stay ranges."""
        return bounds_of(self.value, self.value_low, self.value_high)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        has_value = self.value is not None
        has_low, has_high = self.value_low is not None, self.value_high is not None
        if has_value and (has_low or has_high):
            errors["value"] = "Give either a single value or a low–high range, not both."
        elif has_low != has_high:
            errors["value_high" if has_low else "value_low"] = "A range needs both a low and a high end."
        elif has_low and has_high and self.value_low > self.value_high:
            errors["value_high"] = "The high end of the range is below the low end."
        elif not has_value and not has_low and self.qualifier != Qualifier.UNKNOWN:
            errors["value"] = 'Give a value or a range, or set the qualifier to "Not known" if the source says it is unknown.'
        if self.qualifier == Qualifier.UNKNOWN and (has_value or has_low or has_high):
            errors["qualifier"] = '"Not known" figures have no value; clear the value or pick another qualifier.'
        if self.milestone and self.measure != Measure.DEADLINE:
            errors["milestone"] = "Only a deadline has a milestone: clear it, or choose the measure Deadline."
        if self.horizon == Horizon.PROJECTION and self.status not in PROJECTION_STATUSES:
            errors["status"] = (
                f"A projection cannot be {self.get_status_display().lower()}: only an outturn is claimed or audited as delivered. "
                "Choose Target or Forecast, or change the horizon."
            )
        if self.source_id is not None and self.horizon == Horizon.OUTTURN and rules.looks_ahead(self):
            errors["horizon"] = (
                f"The period runs to {fiscal.label(self.period_end)}, which had not begun when the source appeared "
                f"({self.source.published_display}): this is a projection."
            )
        if "value" not in errors and not self.is_unknown:
            problem = rules.implausible(self)
            if problem:
                errors["value"] = problem
        errors |= fiscal.period_problems(self.period_start, self.period_end, self.period_years, self.period_as_published)
        if errors:
            raise ValidationError(errors)
