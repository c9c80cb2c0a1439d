"""Charts over more figures than can be drawn one by one: aggregates asked of the database, drawn as spreads.

Up to FIGURE_LIMIT figures, a chart draws every figure and lists each in its table. Beyond that, bars and markers
overlap until none can be read, and the page would grow with the data; so the chart is drawn from SQL aggregates
instead: for each financial year (or year of publication) and each status (or measure), how many figures there are,
the lowest value stated, the median and the highest. A range counts by its two ends for the lowest and the highest and
is left out of the median, so it is never reduced to a midpoint; the median is the lower middle of the values stated
as one number, so it is always a value some source stated. A figure whose amount is not known is counted, never drawn.
When there are more years than MAX_COLUMNS, neighbouring years are put together in equal spans. The table under the
chart holds the aggregates; the figures themselves are a link away, 50 a page on the programme page and whole as CSV.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Case, Count, ExpressionWrapper, F, IntegerField, Max, Min, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse

from dashboard.charts.chart import Chart
from dashboard.charts.savings import promise_summary
from dashboard.charts.style import MEASURE_STYLE, STATUS_ORDER, STATUS_STYLE, axis, base_layout
from dashboard.charts.traces import as_float
from programmes import fiscal, formatting, rules
from programmes.models import Basis, Figure, Measure, Qualifier, Status, Unit

# A chart drawn figure by figure costs about 1.5 kB of page per figure (its marks, hover text and table row), and a
# chart of more than about 40 bars or markers can no longer be read one by one. So a chart over FIGURE_LIMIT figures is
# aggregated, and so are the largest of a page's charts until those drawn one by one hold at most PAGE_FIGURE_LIMIT
# figures in all: with the aggregated charts (about 20 kB each) and a page of the figure table, a programme page stays
# under 300 kB whatever the number of figures (tests/system/test_scale.py). The real record's largest page draws 62.
FIGURE_LIMIT = 40
PAGE_FIGURE_LIMIT = 100
# More years than this on one axis are put together in spans of equal length.
MAX_COLUMNS = 12

TOTALS = rules.TOTAL_BASES


@dataclass(frozen=True)
class Spread:
    """How one chart is drawn when aggregated: along which years, in which series, in which unit, on which axes."""

    id: str
    title: str
    across: str  # "covered": the last financial year a figure's period covers; "published": the year its source appeared
    series: str  # "status" or "measure"
    axis_title: str
    filters: tuple[tuple[str, str], ...]  # the figures export's parameters that list this chart's figures
    unit: str = Unit.GBP_M
    panels: tuple[tuple[str, tuple[str, ...]], ...] = ()  # separate axes by basis (annual and totals never share one)
    bases: tuple[str, ...] = ()  # for the savings charts: the bases whose first promise and delivery the summary names
    per: str = ""


SAVINGS_FILTERS = (("measure", Measure.SAVINGS), ("unit", Unit.GBP_M))
SPREADS = {
    spread.id: spread
    for spread in (
        Spread(
            "savings-annual", "Savings a year: promised against delivered", "covered", "status", "£ million a year",
            (*SAVINGS_FILTERS, ("basis", Basis.ANNUAL)), bases=(Basis.ANNUAL,), per="a year",
        ),
        Spread(
            "savings-total", "Savings over a period: promised against delivered", "covered", "status", "£ million in total over the period",
            (*SAVINGS_FILTERS, *(("basis", basis) for basis in TOTALS)), bases=TOTALS, per="in total",
        ),
        Spread(
            "restatements", "How the savings promise was restated over time", "published", "status", "",
            (*SAVINGS_FILTERS, *(("basis", basis) for basis in (Basis.ANNUAL, *TOTALS))),
            panels=(("£m a year", (Basis.ANNUAL,)), ("£m in total", TOTALS)),
        ),
        Spread(
            "money", "Money in, money out", "covered", "measure", "£ million over the period",
            (*(("measure", m) for m in (Measure.SAVINGS, Measure.INVESTMENT, Measure.NET_BENEFIT)), ("unit", Unit.GBP_M)),
        ),
        Spread(
            "funding", "Funding asked for and approved", "covered", "measure", "£ million",
            (*(("measure", m) for m in (Measure.FUNDING_REQUESTED, Measure.FUNDING_APPROVED, Measure.FUNDING_GAP)), ("unit", Unit.GBP_M)),
        ),
        Spread("deadlines", "Deadlines as stated over time", "published", "status", "Deadline (year)", (("measure", Measure.DEADLINE), ("unit", Unit.YEAR)), unit=Unit.YEAR),
    )
}  # fmt: skip


def to_aggregate(counts: dict[str, int]) -> set[str]:
    """The charts of a page to draw from aggregates, given how many figures each would draw one by one."""
    chosen = {chart_id for chart_id, count in counts.items() if count > FIGURE_LIMIT}
    for chart_id in sorted(counts, key=lambda c: (-counts[c], c)):
        if sum(count for c, count in counts.items() if c not in chosen) <= PAGE_FIGURE_LIMIT:
            break
        chosen.add(chart_id)
    return chosen


@dataclass
class Group:
    """The figures of one series in one span of years (start..end; None for figures with no year) on one axis."""

    panel: int
    series: str
    start: int | None
    end: int | None
    count: int = 0
    unknown: int = 0
    lowest: Decimal | None = None
    highest: Decimal | None = None
    median: Decimal | None = None


def year_of(spread: Spread) -> ExpressionWrapper:
    if spread.across == "covered":
        return ExpressionWrapper(Coalesce(F("period_end"), F("period_start")), output_field=IntegerField())
    return ExpressionWrapper(F("source__published_year"), output_field=IntegerField())


def panel_of(spread: Spread) -> Case | Value:
    if not spread.panels:
        return Value(0)
    whens = [When(basis__in=bases, then=Value(index)) for index, (_, bases) in enumerate(spread.panels)]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def aggregate(figures: QuerySet, spread: Spread) -> list[Group]:
    """The groups of these figures, in two queries: counts, lowest and highest by year, then the medians by span of years."""
    unknown = Q(qualifier=Qualifier.UNKNOWN)
    rows = list(
        figures.annotate(year=year_of(spread), line=F(spread.series), panel=panel_of(spread))
        .values("panel", "line", "year")
        .annotate(
            count=Count("pk", filter=~unknown),
            unknown=Count("pk", filter=unknown),
            lowest=Min(Coalesce("value", "value_low")),
            highest=Max(Coalesce("value", "value_high")),
        )
        .order_by()
    )
    years = sorted({row["year"] for row in rows if row["year"] is not None})
    first = years[0] if years else 0
    width = math.ceil((years[-1] - first + 1) / MAX_COLUMNS) if len(years) > MAX_COLUMNS else 1
    last = years[-1] if years else 0
    groups: dict[tuple[int, str, int | None], Group] = {}
    for row in rows:
        span = None if row["year"] is None else (row["year"] - first) // width
        start = None if span is None else first + span * width
        end = None if start is None else min(start + width - 1, last)
        group = groups.setdefault((row["panel"], row["line"], span), Group(row["panel"], row["line"], start, end))
        group.count += row["count"]
        group.unknown += row["unknown"]
        group.lowest = least(group.lowest, row["lowest"])
        group.highest = greatest(group.highest, row["highest"])
    span = ExpressionWrapper((year_of(spread) - Value(first)) / Value(width), output_field=IntegerField())
    alike = [F("panel"), F("line"), F("span")]
    middles = (
        figures.filter(value__isnull=False)
        .annotate(line=F(spread.series), panel=panel_of(spread), span=span)
        .annotate(
            position=Window(RowNumber(), partition_by=alike, order_by=[F("value").asc(), F("pk").asc()]),
            size=Window(Count("pk"), partition_by=alike),
        )
        .filter(position=(F("size") + 1) / 2)
        .values_list("panel", "line", "span", "value")
    )
    for panel, line, index, value in middles:
        groups[(panel, line, index)].median = value
    return sorted(groups.values(), key=lambda g: (g.panel, g.start is None, g.start or 0, series_order(spread, g.series)))


def least(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    return second if first is None else first if second is None else min(first, second)


def greatest(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    return second if first is None else first if second is None else max(first, second)


def series_order(spread: Spread, value: str) -> int:
    order = STATUS_ORDER if spread.series == "status" else list(MEASURE_STYLE)
    return order.index(value) if value in order else len(order)


def series_label(spread: Spread, value: str) -> str:
    return Status(value).label if spread.series == "status" else Measure(value).label


def span_label(spread: Spread, group: Group) -> str:
    if group.start is None:
        # Figures with a length or words for their period ("15 years", "programme life") are here too: no financial year.
        return "financial years not stated" if spread.across == "covered" else "date not stated"
    if spread.across == "covered":
        return fiscal.span(group.start, group.end)
    return str(group.start) if group.start == group.end else f"{group.start}{formatting.EN_DASH}{group.end}"


def axis_label(spread: Spread, group: Group) -> str:
    """span_label broken over two lines, so that the axis keeps spans of financial years readable."""
    return span_label(spread, group).replace(" to ", "<br>to ")


def amount(spread: Spread, number: Decimal | None) -> str:
    return "–" if number is None else formatting.quantity(number, None, None, spread.unit)


def draw(spread: Spread, groups: list[Group]) -> dict:
    """One marker per group at its median, with a line from its lowest to its highest value; series side by side per span.

    The figure JSON is written as plain dicts (plotly's own objects validate every property, which cost most of a cold
    page's time); plotly.js reads the same JSON. With two panels (annual and totals), they share the x axis.
    """
    drawn = [g for g in groups if g.count]
    panels = sorted({g.panel for g in drawn}) or [0]
    categories = [axis_label(spread, g) for g in sorted(drawn, key=lambda g: (g.start is None, g.start or 0))]
    categories = list(dict.fromkeys(categories))
    layout = base_layout(spread.title, height=460 + 220 * (len(panels) - 1))
    # The legend above the plot, clear of the spans of years, which may need two lines and a slant below it.
    layout.update(
        template={},  # as plotly's own JSON writes "no template"
        scattermode="group",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 64, "r": 16, "t": 90, "b": 100},
    )
    traces: list[dict] = []
    shown: set[str] = set()
    for row, panel in enumerate(panels, start=1):
        suffix = "" if row == 1 else str(row)
        here = [g for g in drawn if g.panel == panel]
        for line in sorted({g.series for g in here}, key=lambda value: series_order(spread, value)):
            traces.append(series_trace(spread, [g for g in here if g.series == line], line, suffix, line not in shown))
            shown.add(line)
        layout.update(panel_axes(spread, here, panel, row, len(panels), categories))
    return {"data": traces, "layout": layout}


def series_trace(spread: Spread, part: list[Group], line: str, suffix: str, in_legend: bool) -> dict:
    """One series of one panel: a marker per group at its median and a line from its lowest to its highest value."""
    if spread.series == "measure":
        colour, symbol = MEASURE_STYLE[line]
    else:
        colour, symbol = STATUS_STYLE[line]["colour"], STATUS_STYLE[line]["symbol"]
    # Where a group holds only ranges there is no median: the line alone shows where its figures lie.
    marks = [g.median if g.median is not None else g.lowest for g in part]
    return {
        "type": "scatter",
        "name": series_label(spread, line),
        "legendgroup": line,
        "showlegend": in_legend,
        "xaxis": f"x{suffix}",
        "yaxis": f"y{suffix}",
        "x": [axis_label(spread, g) for g in part],
        "y": [as_float(mark) for mark in marks],
        "mode": "markers",
        "marker": {
            "color": colour,
            "symbol": symbol,
            "size": 11,
            "opacity": [1 if g.median is not None else 0 for g in part],
            "line": {"color": "#ffffff", "width": 1},
        },
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [as_float(g.highest - mark) for g, mark in zip(part, marks, strict=True)],
            "arrayminus": [as_float(mark - g.lowest) for g, mark in zip(part, marks, strict=True)],
            "color": colour,
            "thickness": 3,
            "width": 6,
        },
        "hovertext": [hover(spread, g) for g in part],
        "hovertemplate": "%{hovertext}<extra></extra>",
    }


# The gap between two panels, as a share of the chart's height.
PANEL_GAP = 0.08


def panel_axes(spread: Spread, here: list[Group], panel: int, row: int, rows: int, categories: list[str]) -> dict:
    """The axes of one panel (its groups `here`), stacked `row` of `rows` from the top; the panels share the lowest one's x axis."""
    suffix = "" if row == 1 else str(row)
    title = spread.panels[panel][0] if spread.panels else spread.axis_title
    if spread.unit == Unit.YEAR:
        years = [g.lowest for g in here] + [g.highest for g in here]
        y_axis = axis(title, tickformat="d", range=[float(min(years)) - 1, float(max(years)) + 1])
    else:
        y_axis = axis(title, tickprefix="£", rangemode="tozero")
    height = (1 - PANEL_GAP * (rows - 1)) / rows
    top = 1 - (row - 1) * (height + PANEL_GAP)
    last = row == rows
    x_title = "Last financial year covered" if spread.across == "covered" else "Year published"
    return {
        f"yaxis{suffix}": {**y_axis, "anchor": f"x{suffix}", "domain": [max(top - height, 0), top]},
        # The axis title and labels once, under the lowest panel; the panels above share its categories.
        f"xaxis{suffix}": {
            **axis(x_title if last else "", type="category", categoryorder="array", categoryarray=categories),
            "anchor": f"y{suffix}",
            "showticklabels": last,
            **({} if last else {"matches": f"x{rows}"}),
        },
    }


def hover(spread: Spread, group: Group) -> str:
    lines = [f"<b>{series_label(spread, group.series)}, {span_label(spread, group)}</b>", f"{group.count:,} figures"]
    if group.count:
        lines.append(
            f"lowest {amount(spread, group.lowest)}, median {amount(spread, group.median)}, highest {amount(spread, group.highest)}"
        )
    if group.unknown:
        lines.append(f"{group.unknown:,} with the amount not known")
    return "<br>".join(lines)


NUMERIC_COLUMNS = ("With an amount", "Lowest", "Median", "Highest", "Not known")


def columns_of(spread: Spread) -> list[str]:
    across = "Last year covered" if spread.across == "covered" else "Published"
    return [across, "Status" if spread.series == "status" else "Measure", *(["Axis"] if spread.panels else []), "With an amount", "Lowest", "Median", "Highest", "Not known"]  # fmt: skip


def group_rows(spread: Spread, groups: list[Group]) -> list[dict]:
    """One row per group: numbers as numbers for the CSV, and the same as the page writes them (`cells`)."""
    rows = []
    for group in groups:
        values = [span_label(spread, group), series_label(spread, group.series)]
        if spread.panels:
            values.append(spread.panels[group.panel][0])
        values += [group.count, group.lowest, group.median, group.highest, group.unknown]
        row = dict(zip(columns_of(spread), values, strict=True))
        texts = [f"{group.count:,}", *(amount(spread, n) for n in values[-4:-1]), f"{group.unknown:,}"]
        row["cells"] = [*((text, False) for text in values[:-5]), *((text, True) for text in texts)]
        rows.append(row)
    return rows


def summary(spread: Spread, groups: list[Group], picked: Iterable[Figure]) -> str:
    """What the aggregates say, series by series; for a savings chart, first the promise and delivery the rules pick."""
    total = sum(g.count + g.unknown for g in groups)
    where = "the last financial year its period covers" if spread.across == "covered" else "the year it was published"
    parts = [
        f"{total:,} figures, too many to draw one by one, so they are grouped by {where}: each "
        "mark is the median of the values stated as one number, and its line runs from the lowest to the highest value stated "
        "(a range by its two ends)."
    ]
    lines = sorted({g.series for g in groups}, key=lambda value: series_order(spread, value))
    described = []
    for line in lines:
        part = [g for g in groups if g.series == line]
        known = sum(g.count for g in part)
        if known:
            low = min(g.lowest for g in part if g.lowest is not None)
            high = max(g.highest for g in part if g.highest is not None)
            described.append(f"{series_label(spread, line).lower()}: {known:,} from {amount(spread, low)} to {amount(spread, high)}")
    if described:
        parts.append(rules.sentence("; ".join(described)))
    unknown = sum(g.unknown for g in groups)
    if unknown:
        parts.append(f"{unknown:,} give no amount: they are counted in the table, not drawn.")
    if spread.bases:
        chosen = [f for f in picked if f.measure == Measure.SAVINGS and f.unit == Unit.GBP_M and f.basis in spread.bases]
        parts.insert(0, promise_summary(chosen, spread.bases, spread.per))
    return " ".join(parts)


def build_aggregate_chart(chart_id: str, figures: QuerySet, slug: str, picked: Iterable[Figure] = ()) -> Chart | None:
    """The chart `chart_id` over these figures (already only its own), aggregated; `picked` are rules-pick candidates for its summary."""
    spread = SPREADS[chart_id]
    groups = aggregate(figures, spread)
    if not any(g.count for g in groups):
        return None
    return Chart(
        id=spread.id,
        title=spread.title,
        summary=summary(spread, groups, picked),
        plotly=draw(spread, groups),
        rows=group_rows(spread, groups),
        sources=[],
        columns=columns_of(spread),
        numeric_columns=NUMERIC_COLUMNS,
        key=(
            "Each mark is the median of a group's figures, and its line runs from the lowest to the highest; "
            + ("colour and marker shape show the status." if spread.series == "status" else "colour and marker shape show the measure.")
        ),
        filename=f"{slug}-{spread.id}",
        aggregated=True,
        figure_count=sum(g.count + g.unknown for g in groups),
        figures_url=reverse("dashboard:programme-detail", args=[slug]) + "?" + urlencode(spread.filters) + "#figures-heading",
        figures_csv_url=reverse("dashboard:figures-csv") + "?" + urlencode([("programme", slug), *spread.filters]),
    )
