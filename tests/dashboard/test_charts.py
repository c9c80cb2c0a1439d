"""Chart builders against small known data: the right traces, values, bands and summaries."""

import datetime
from decimal import Decimal as D

from django.test import TestCase

from dashboard import charts, pages
from programmes.models import Event, Figure, Programme
from tests.helpers import disagreeing_by_rule, make_figure, make_programme, make_source


def traces_named(chart, name):
    return [trace for trace in chart.plotly["data"] if trace.get("name") == name]


class ChartDataTests(TestCase):
    """A small programme in the shape of NGSS: a promised range, a point target, an audit and its cost."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("mini")
        cls.cabinet_office = make_source("co", publisher="Cabinet Office", kind="press_release", published=datetime.date(2012, 12, 28))
        cls.nao = make_source("nao", publisher="National Audit Office", published=datetime.date(2016, 5, 20))
        cls.press = make_source("press", publisher="Civil Service World", kind="news_article", published=datetime.date(2016, 5, 21))
        cls.promise = make_figure(
            cls.programme, cls.cabinet_office, status="target", basis="annual", value=None, value_low=D("400"), value_high=D("600"),
            period_start=None, period_end=None,
        )  # fmt: skip
        cls.centres_target = make_figure(
            cls.programme, cls.nao, status="target", basis="annual", value=D("128"), period_start=2014, period_end=None
        )
        cls.saved = make_figure(cls.programme, cls.nao, value=D("90"))
        cls.spent = make_figure(cls.programme, cls.nao, measure="investment", value=D("94"))
        cls.unknown = make_figure(
            cls.programme, cls.nao, measure="savings", status="audited", value=None, qualifier="unknown", description="Benefits to date"
        )
        cls.figures = [cls.promise, cls.centres_target, cls.saved, cls.spent, cls.unknown]
        cls.launch = Event.objects.create(
            programme=cls.programme, date=datetime.date(2012, 12, 28), kind="launch", title="Strategy launched", source=cls.cabinet_office
        )


class PromiseChartTests(ChartDataTests):
    def test_it_draws_annual_figures_only_on_the_annual_chart(self):
        chart = charts.build_promise_chart(self.figures, "annual", "mini")
        drawn = [point for trace in chart.plotly["data"] for point in trace["customdata"]]
        self.assertCountEqual(drawn, [self.promise.pk, self.centres_target.pk])

    def test_it_draws_a_range_as_a_floating_bar_not_a_midpoint(self):
        chart = charts.build_promise_chart(self.figures, "annual", "mini")
        (target,) = traces_named(chart, "Target")
        index = target["customdata"].index(self.promise.pk)
        self.assertEqual((target["base"][index], target["x"][index]), (400.0, 200.0))
        index = target["customdata"].index(self.centres_target.pk)
        self.assertEqual((target["base"][index], target["x"][index]), (0, 128.0))

    def test_it_shades_the_target_range_as_a_band(self):
        chart = charts.build_promise_chart(self.figures, "annual", "mini")
        (band,) = chart.plotly["layout"]["shapes"]
        self.assertEqual((band["x0"], band["x1"]), (400.0, 600.0))
        self.assertIn("£400–600m", chart.plotly["layout"]["annotations"][0]["text"])

    def test_it_says_what_was_promised_and_that_no_delivery_was_reported(self):
        chart = charts.build_promise_chart(self.figures, "annual", "mini")
        self.assertEqual(
            chart.summary,
            "First promise: the Cabinet Office promised £400–600m a year (28 December 2012); "
            "no forecast, claim or audit of the whole programme's savings a year is in the sources.",
        )

    def test_it_names_the_claimant_before_the_publication_that_reported_it(self):
        forecast = make_figure(
            self.programme, self.press, status="forecast", basis="annual", value=D("128"), claimant="Cabinet Office",
            period_start=None, period_end=None,
        )  # fmt: skip
        chart = charts.build_promise_chart([*self.figures, forecast], "annual", "mini")
        self.assertIn(
            "the latest forecast: the Cabinet Office expected £128m a year, as reported by Civil Service World (21 May 2016).",
            chart.summary,
        )
        self.assertNotIn("by Civil Service World on", chart.summary)

    def test_it_never_calls_a_projection_delivered(self):
        by_2024 = make_figure(self.programme, self.press, status="claimed", value=D("504"), period_start=None, period_end=2023)
        chart = charts.build_promise_chart([by_2024], "cumulative", "mini")
        self.assertNotIn("delivered, as claimed", chart.summary)
        self.assertNotIn("£504m", chart.summary)

    def test_it_says_when_no_figure_covers_the_whole_programme(self):
        centres = make_figure(
            self.programme, self.nao, status="target", basis="annual", value=D("128"), scope="the two centres", speaks_for="members"
        )
        chart = charts.build_promise_chart([centres], "annual", "mini")
        self.assertEqual(chart.summary, "No figure here covers the whole programme; the table lists the parts each figure covers.")

    def test_it_keeps_cumulative_figures_apart_and_reports_the_audit(self):
        chart = charts.build_promise_chart(self.figures, "cumulative", "mini")
        drawn = [point for trace in chart.plotly["data"] for point in trace["customdata"]]
        self.assertEqual(drawn, [self.saved.pk])
        self.assertEqual(
            chart.summary, "Delivered, as audited: the National Audit Office found £90m in total over 2013-14 to 2015-16 (20 May 2016)."
        )

    def test_it_says_what_is_unknown_instead_of_drawing_zero(self):
        chart = charts.build_promise_chart(self.figures, "cumulative", "mini")
        self.assertEqual(chart.notes, ["Benefits to date: not known, according to the National Audit Office, 20 May 2016."])
        self.assertEqual([row["Value"] for row in chart.rows if row["Figure"] == "Benefits to date"], ["unknown"])

    def test_its_table_has_one_row_per_figure_with_its_source(self):
        chart = charts.build_promise_chart(self.figures, "annual", "mini")
        self.assertEqual([row["Value"] for row in chart.rows], ["£400–600m", "£128m"])
        self.assertEqual(chart.rows[0]["Value (low)"], D("400"))
        self.assertEqual(chart.rows[0]["url"], self.promise.get_absolute_url())
        self.assertEqual({s.pk for s in chart.sources}, {self.cabinet_office.pk, self.nao.pk})

    def test_it_leaves_out_a_chart_with_no_data(self):
        self.assertIsNone(charts.build_promise_chart([self.spent], "annual", "mini"))
        self.assertIsNone(charts.build_promise_chart([self.unknown], "cumulative", "mini"))


class RestatementChartTests(ChartDataTests):
    def test_it_plots_each_figure_at_its_publication_date_in_panels_by_basis(self):
        chart = charts.build_restatement_chart(self.figures, [self.launch], "mini")
        layout = chart.plotly["layout"]
        self.assertIn("£m a year", layout["yaxis"]["title"]["text"])
        self.assertIn("£m in total", layout["yaxis2"]["title"]["text"])
        audited = traces_named(chart, "Audited")[0]
        self.assertEqual((audited["x"], audited["y"], audited["yaxis"]), (["2016-05-20"], [90.0], "y2"))

    def test_it_draws_ranges_as_bars_from_low_to_high(self):
        chart = charts.build_restatement_chart(self.figures, [], "mini")
        (band,) = traces_named(chart, "Target (range)")
        self.assertEqual(band["y"], [400.0, 600.0, None])
        self.assertEqual(band["x"], ["2012-12-28", "2012-12-28", None])

    def test_it_marks_events(self):
        chart = charts.build_restatement_chart(self.figures, [self.launch], "mini")
        (events,) = traces_named(chart, "Event")
        self.assertEqual(events["x"], ["2012-12-28"])
        self.assertIn("Strategy launched", events["hovertext"][0])

    def test_it_tells_how_the_promise_moved(self):
        forecast = make_figure(
            self.programme, self.press, status="forecast", basis="annual", value=D("128"), period_start=None, period_end=None
        )
        chart = charts.build_restatement_chart([*self.figures, forecast], [], "mini")
        self.assertEqual(
            chart.summary,
            "How the savings figure for the whole programme moved: £400–600m a year (first target, by the Cabinet Office, 28 December 2012), "
            "then £90m in total (first audit, by the National Audit Office, 20 May 2016), "
            "then £128m a year (first forecast, by Civil Service World, 21 May 2016). 4 savings figures in all, each in the table below.",
        )

    def test_it_says_when_the_scope_changes(self):
        centres = make_figure(
            self.programme, self.press, status="forecast", basis="annual", value=D("128"), scope="the two centres",
            claimant="Cabinet Office", period_start=None, period_end=None,
        )  # fmt: skip
        chart = charts.build_restatement_chart([self.promise, self.saved, centres], [], "mini")
        self.assertIn(
            "The scope changes: for the two centres, which is not a restatement of the figures above, £128m a year "
            "(first forecast, by the Cabinet Office, as reported by Civil Service World, 21 May 2016).",
            chart.summary,
        )
        self.assertNotIn("£128m", chart.summary.split("The scope changes")[0])


class MoneyChartTests(ChartDataTests):
    def test_it_sets_savings_against_investment_and_states_the_net_cost(self):
        chart = charts.build_money_chart(self.figures, "mini")
        self.assertEqual(
            chart.summary,
            "The National Audit Office found £90m saved against £94m invested over 2013-14 to 2015-16 (20 May 2016), a net cost of £4m.",
        )
        (net,) = traces_named(chart, "Net benefit (savings minus investment)")
        self.assertEqual(net["y"], [-4.0])
        self.assertEqual(traces_named(chart, "Savings")[0]["y"], [90.0])
        self.assertEqual(traces_named(chart, "Investment (cost)")[0]["y"], [94.0])

    def test_it_pairs_figures_only_within_one_publication(self):
        other_cost = make_figure(self.programme, self.press, measure="investment", value=D("120"))
        chart = charts.build_money_chart([self.saved, other_cost], "mini")
        self.assertIsNone(chart)

    def test_it_drops_a_pair_that_a_later_source_only_repeats(self):
        repeat_saved = make_figure(self.programme, self.press, value=D("90"))
        repeat_spent = make_figure(self.programme, self.press, measure="investment", value=D("94"))
        chart = charts.build_money_chart([self.saved, self.spent, repeat_saved, repeat_spent], "mini")
        self.assertEqual(len(chart.rows), 2)
        self.assertTrue(all("National Audit Office" in row["Source"] for row in chart.rows))

    def test_it_gives_a_range_of_net_results_when_a_side_is_a_range(self):
        ranged = make_figure(self.programme, self.press, measure="investment", value=None, value_low=D("44"), value_high=D("95"))
        saved = make_figure(self.programme, self.press, value=D("90"))
        chart = charts.build_money_chart([ranged, saved], "mini")
        self.assertIn("a net result between -£5m and £46m", chart.summary)


class DisagreementTests(ChartDataTests):
    def test_it_flags_figures_that_another_source_states_differently(self):
        other = make_figure(self.programme, self.press, value=D("95"))
        chart = charts.build_promise_chart([self.saved, other], "cumulative", "mini")
        self.assertTrue(chart.has_disagreement)
        self.assertEqual(
            [row["Flag"] for row in chart.rows],
            ["Disagrees with £95m (Civil Service World, 21 May 2016)", "Disagrees with £90m (National Audit Office, 20 May 2016)"],
        )

    def test_it_flags_exactly_what_the_rule_flags(self):
        rounded = make_figure(self.programme, self.press, value=D("90.4"))
        other = make_figure(self.programme, self.press, value=D("120"), claimant="Cabinet Office")
        figures = [self.saved, rounded, other]
        chart = charts.build_promise_chart(figures, "cumulative", "mini")
        flagged = {row["url"] for row in chart.rows if row["Flag"]}
        self.assertEqual(flagged, {f.get_absolute_url() for f in figures if f.pk in disagreeing_by_rule(figures)})
        (rounded_flag,) = [row["Flag"] for row in chart.rows if row["url"] == rounded.get_absolute_url()]
        self.assertEqual(
            rounded_flag, "Disagrees with £120m (Civil Service World, 21 May 2016)", "£90.4m and £90m agree at £90m's precision"
        )

    def test_it_does_not_flag_sources_that_agree(self):
        same = make_figure(self.programme, self.press, value=D("90"))
        chart = charts.build_promise_chart([self.saved, same], "cumulative", "mini")
        self.assertFalse(chart.has_disagreement)


class FundingAndDeadlineChartTests(ChartDataTests):
    def test_it_compares_funding_asked_for_with_funding_approved(self):
        asked = make_figure(
            self.programme, self.nao, measure="funding_requested", status="forecast", value=None, value_low=D("382"), value_high=D("403"),
            period_start=2022, period_end=2024,
        )  # fmt: skip
        approved = make_figure(self.programme, self.nao, measure="funding_approved", value=D("300"), period_start=2022, period_end=2024)
        chart = charts.build_funding_chart([asked, approved], "mini")
        self.assertEqual(traces_named(chart, "Requested")[0]["base"], [382.0])
        self.assertEqual(traces_named(chart, "Approved")[0]["y"], [300.0])
        self.assertIn("a shortfall of £82m to £103m", chart.summary)

    def deadline(self, source, year: str, milestone: str):
        return make_figure(
            self.programme,
            source,
            measure="deadline",
            status="target",
            basis="point_in_time",
            unit="year",
            value=D(year),
            milestone=milestone,
        )

    def test_it_shows_a_deadline_moving(self):
        early = self.deadline(self.cabinet_office, "2025", "all departments on cloud ERP")
        later = self.deadline(self.nao, "2028", "All departments on  cloud ERP")
        chart = charts.build_deadline_chart([early, later], "mini")
        self.assertEqual(traces_named(chart, "Target")[0]["y"], [2025.0, 2028.0])
        self.assertEqual(traces_named(chart, "Moved: all departments on cloud ERP")[0]["y"], [2025.0, 2028.0])
        self.assertEqual(
            chart.summary,
            "The deadline for all departments on cloud ERP moved: 2025 (stated by the Cabinet Office, 28 December 2012), "
            "then 2028 (stated by the National Audit Office, 20 May 2016).",
        )

    def test_it_never_reads_deadlines_for_different_milestones_as_a_move(self):
        pathfinder = self.deadline(self.cabinet_office, "2020", "Home Office HR and payroll live on Oracle Fusion")
        cloud = self.deadline(self.nao, "2025", "all departments on cloud ERP")
        chart = charts.build_deadline_chart([pathfinder, cloud], "mini")
        self.assertEqual(
            chart.summary,
            "The deadline for Home Office HR and payroll live on Oracle Fusion: 2020 (stated by the Cabinet Office, 28 December 2012). "
            "The deadline for all departments on cloud ERP: 2025 (stated by the National Audit Office, 20 May 2016).",
        )
        self.assertNotIn("then", chart.summary)
        self.assertNotIn("moved", chart.summary)
        self.assertEqual([t["name"] for t in chart.plotly["data"] if t["name"].startswith("Moved")], [])

    def test_it_never_reads_deadlines_without_a_milestone_as_a_move(self):
        chart = charts.build_deadline_chart([self.deadline(self.cabinet_office, "2020", ""), self.deadline(self.nao, "2025", "")], "mini")
        self.assertEqual(chart.summary.count("A deadline with no stated milestone"), 2)
        self.assertNotIn("moved", chart.summary)

    def test_it_says_a_milestones_deadline_restated_unchanged_did_not_move(self):
        chart = charts.build_deadline_chart(
            [
                self.deadline(self.cabinet_office, "2028", "every department on cluster services"),
                self.deadline(self.nao, "2028", "every department on cluster services"),
            ],
            "mini",
        )
        self.assertIn("the same each time it was stated: 2028 (stated by the Cabinet Office", chart.summary)
        self.assertNotIn("moved", chart.summary)


class OverviewChartTests(ChartDataTests):
    def test_it_compares_each_strategys_first_promise_with_its_audit(self):
        chart = charts.build_overview_chart({"Mini strategy": self.figures}, "cumulative")
        self.assertEqual([t["name"] for t in chart.plotly["data"]], ["Audited"])
        annual = charts.build_overview_chart({"Mini strategy": self.figures}, "annual")
        (target,) = traces_named(annual, "Target")
        self.assertEqual(target["customdata"], [self.promise.pk])
        self.assertEqual(
            annual.summary, "Mini strategy: the Cabinet Office promised £400–600m a year (28 December 2012); no audited figure."
        )

    def test_it_leaves_out_figures_for_part_of_a_strategy(self):
        centres = make_figure(self.programme, self.nao, status="audited", value=D("50"), scope="the two centres")
        chart = charts.build_overview_chart({"Mini strategy": [*self.figures, centres]}, "cumulative")
        (audited,) = traces_named(chart, "Audited")
        self.assertEqual(audited["customdata"], [self.saved.pk])


class ProgrammeChartsTests(ChartDataTests):
    def test_it_leaves_out_charts_without_data(self):
        built = charts.build_programme_charts(self.figures, [self.launch], "mini")
        self.assertEqual([c.id for c in built], ["savings-annual", "savings-total", "restatements", "money"])
        self.assertEqual(len({c.anchor for c in built}), len(built))


class NetRuleTests(ChartDataTests):
    def test_it_does_not_work_out_a_net_from_a_bound(self):
        over = make_figure(self.programme, self.press, value=D("90"), qualifier="over")
        cost = make_figure(self.programme, self.press, measure="investment", value=D("94"))
        chart = charts.build_money_chart([over, cost], "mini")
        self.assertIn(
            "over £90m saved against £94m invested over 2013-14 to 2015-16 (21 May 2016), so the net result cannot be worked out",
            chart.summary,
        )
        self.assertFalse(traces_named(chart, "Net benefit (savings minus investment)"))

    def test_it_carries_about_into_the_net(self):
        about = make_figure(self.programme, self.press, value=D("1800"), qualifier="approx")
        cost = make_figure(self.programme, self.press, measure="investment", value=D("900"), qualifier="approx")
        chart = charts.build_money_chart([about, cost], "mini")
        self.assertTrue(chart.summary.endswith("a net benefit of about £900m."))

    def test_it_pairs_only_figures_of_one_status_over_a_stated_period(self):
        target = make_figure(self.programme, self.press, status="target", value=D("200"))
        cost = make_figure(self.programme, self.press, measure="investment", value=D("94"))
        self.assertIsNone(charts.build_money_chart([target, cost], "mini"))
        unstated = make_figure(self.programme, self.press, value=D("2000"), period_start=None, period_end=None)
        unstated_cost = make_figure(self.programme, self.press, measure="investment", value=D("900"), period_start=None, period_end=None)
        self.assertIsNone(charts.build_money_chart([unstated, unstated_cost], "mini"))


class FundingRuleTests(ChartDataTests):
    def funding(self, measure, **fields):
        defaults = {"measure": measure, "status": "audited", "period_start": 2022, "period_end": 2024}
        return make_figure(self.programme, self.nao, **{**defaults, **fields})

    def test_it_gives_the_shortfall_as_a_range_when_the_approval_is_a_range(self):
        asked = self.funding("funding_requested", value=D("300"))
        granted = self.funding("funding_approved", value=None, value_low=D("100"), value_high=D("200"))
        chart = charts.build_funding_chart([asked, granted], "mini")
        self.assertIn("a shortfall of £100m to £200m", chart.summary)

    def test_it_gives_no_shortfall_across_different_periods(self):
        asked = self.funding("funding_requested", value=D("300"))
        granted = self.funding("funding_approved", value=D("200"), period_start=2025, period_end=2026)
        self.assertNotIn("shortfall", charts.build_funding_chart([asked, granted], "mini").summary)

    def test_it_leaves_out_a_chart_where_every_figure_is_unknown(self):
        unknown = self.funding("funding_requested", value=None, qualifier="unknown")
        self.assertIsNone(charts.build_funding_chart([unknown], "mini"))


class FlagTests(ChartDataTests):
    def test_it_does_not_flag_two_figures_from_one_publication(self):
        part = make_figure(self.programme, self.nao, value=D("30"))
        self.assertEqual(charts.flags([self.saved, part]), {})

    def test_it_does_not_flag_a_part_against_its_total(self):
        part = make_figure(self.programme, self.press, value=D("30"), part_of=self.saved)
        self.assertEqual(charts.flags([self.saved, part]), {})

    def test_it_compares_figures_that_both_leave_the_period_unstated(self):
        one = make_figure(self.programme, self.nao, value=D("30"), period_start=None, period_end=None)
        other = make_figure(self.programme, self.press, value=D("40"), period_start=None, period_end=None)
        self.assertEqual(set(charts.flags([one, other])), {one.pk, other.pk})
        stated = make_figure(self.programme, self.press, value=D("40"))
        self.assertNotIn("£30m", charts.flags([stated]).get(stated.pk, ""), "a stated period and an unstated one are not the same quantity")
        self.assertEqual(charts.flags([one])[one.pk].count("£"), 1, "the unstated £30m disagrees with the unstated £40m only")

    def test_it_does_not_flag_different_scopes_or_scenarios(self):
        centre = make_figure(self.programme, self.press, value=D("40"), scope="ISSC1")
        without = make_figure(self.programme, self.press, value=D("40"), scenario="without HMRC")
        self.assertEqual(charts.flags([self.saved, centre, without]), {})


class FlagAtADateTests(TestCase):
    """A ⚑ as at a past date counts only the disagreeing figures whose sources had appeared by then."""

    @classmethod
    def setUpTestData(cls):
        programme = make_programme("flag-dates")
        cls.first = make_figure(programme, make_source("flag-2014", published=datetime.date(2014, 6, 1)), value=D("100"))
        cls.others = [
            make_figure(
                programme,
                make_source(f"flag-{year}", publisher=f"Paper {year}", kind="news_article", published=datetime.date(year, 6, 1)),
                value=value,
            )
            for year, value in ((2015, D("200")), (2017, D("300")), (2018, D("400")), (2019, D("500")))
        ]

    def test_today_it_names_the_earliest_and_counts_the_rest(self):
        self.assertTrue(charts.flags([self.first])[self.first.pk].endswith("; and 1 more"))

    def test_before_the_later_figures_appeared_it_names_the_one_there_was_and_counts_no_more(self):
        text = charts.flags([self.first], datetime.date(2016, 1, 1))[self.first.pk]
        self.assertEqual(text.count("£"), 1)
        self.assertNotIn("more", text)
        self.assertNotIn("perhaps", text)

    def test_once_as_many_as_are_stored_had_appeared_it_says_there_may_be_others(self):
        text = charts.flags([self.first], datetime.date(2018, 12, 31))[self.first.pk]
        self.assertEqual(text.count("£"), 3)
        self.assertTrue(text.endswith("; perhaps others"), text)


class DeadlineRangeTests(ChartDataTests):
    def test_it_draws_a_deadline_given_as_a_span_of_years(self):
        span = make_figure(
            self.programme, self.nao, measure="deadline", status="target", basis="point_in_time", unit="year",
            value=None, value_low=D("2025"), value_high=D("2028"),
        )  # fmt: skip
        chart = charts.build_deadline_chart([span], "mini")
        (target,) = traces_named(chart, "Target")
        self.assertEqual((target["y"], target["error_y"]["array"]), ([2025.0], [3.0]))
        self.assertIn("2025–2028 (stated by the National Audit Office, 20 May 2016)", chart.summary)


class DeadlineAxisTests(ChartDataTests):
    deadline = FundingAndDeadlineChartTests.deadline

    def test_it_labels_one_deadlines_axes_in_months_and_years_not_milliseconds(self):
        chart = charts.build_deadline_chart([self.deadline(self.nao, "2025", "")], "mini")
        layout = chart.plotly["layout"]
        self.assertEqual(layout["xaxis"]["tickformat"], "%b %Y")
        first, last = (datetime.date.fromisoformat(day) for day in layout["xaxis"]["range"])
        self.assertLess(first, datetime.date(2016, 5, 20))
        self.assertGreater(last, datetime.date(2016, 5, 20))
        self.assertGreaterEqual((last - first).days, 365)
        self.assertEqual((layout["yaxis"]["tickformat"], layout["yaxis"]["range"]), ("d", [2024.0, 2026.0]))

    def test_every_programme_page_with_deadlines_spans_at_least_a_year_of_dates(self):
        # The dataset's programmes with a single deadline, or all their deadlines stated on one day, are the cases
        # plotly drew in milliseconds.
        for programme in Programme.objects.order_by("slug"):
            chart = next((c for c in pages.programme_charts(programme) if c.id == "deadlines"), None)
            if chart is None:
                continue
            with self.subTest(programme=programme.slug):
                first, last = (datetime.date.fromisoformat(day) for day in chart.plotly["layout"]["xaxis"]["range"])
                self.assertGreaterEqual((last - first).days, 365)

    def test_it_ranges_its_axes_over_every_deadline_and_span(self):
        span = make_figure(
            self.programme, self.cabinet_office, measure="deadline", status="target", basis="point_in_time", unit="year",
            value=None, value_low=D("2020"), value_high=D("2023"),
        )  # fmt: skip
        chart = charts.build_deadline_chart([span, self.deadline(self.nao, "2025", "")], "mini")
        layout = chart.plotly["layout"]
        first, last = (datetime.date.fromisoformat(day) for day in layout["xaxis"]["range"])
        self.assertLess(first, datetime.date(2012, 12, 28))
        self.assertGreater(last, datetime.date(2016, 5, 20))
        self.assertEqual(layout["yaxis"]["range"], [2019.0, 2026.0])


class AggregateSpanTests(TestCase):
    def test_a_chart_over_twenty_years_of_sources_groups_them_in_whole_spans_with_their_medians(self):
        from dashboard.charts.aggregate import MAX_COLUMNS, SPREADS, aggregate

        programme = make_programme("twenty-years")
        for year in range(2000, 2020):
            source = make_source(f"report-{year}", published=datetime.date(year, 6, 1))
            for value in (10, 20, 30):
                make_figure(programme, source, status="claimed", value=D(value))
        groups = aggregate(Figure.objects.filter(programme=programme), SPREADS["restatements"])
        # Twenty years in at most twelve columns: spans of two years, 2000-01 to 2018-19, each with its six figures.
        self.assertEqual(len(groups), 10)
        self.assertLessEqual(len(groups), MAX_COLUMNS)
        self.assertEqual([(g.start, g.end) for g in groups], [(year, year + 1) for year in range(2000, 2020, 2)])
        self.assertTrue(all(g.count == 6 and g.median == 20 for g in groups))


class RealDeadlineTests(TestCase):
    """The cited dataset's deadlines: a pathfinder's go-live and the cloud deadline are two milestones, never one that moved."""

    def summary(self, slug: str) -> str:
        built = pages.programme_charts(Programme.objects.get(slug=slug))
        return next(chart for chart in built if chart.id == "deadlines").summary

    def test_it_keeps_the_home_office_go_live_apart_from_the_cloud_deadline(self):
        summary = self.summary("gss-2018")
        self.assertIn("The deadline for Home Office HR and payroll live on Oracle Fusion: 2020", summary)
        self.assertIn("The deadline for all departments' back-office systems on the cloud, the same each time it was stated: 2025", summary)
        self.assertNotIn("then", summary)

    def test_it_keeps_two_migrations_on_arvatos_platform_apart(self):
        summary = self.summary("issc1")
        self.assertIn("The deadline for DfT family migrated to arvato's platform: 2014", summary)
        self.assertIn("The deadline for other departments migrated to arvato's platform: 2015", summary)
        self.assertNotIn("moved", summary)
