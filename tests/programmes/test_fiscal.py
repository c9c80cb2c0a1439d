import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmes import fiscal


class LabelTests:
    def test_it_prints_the_starting_year_as_a_label(self):
        assert fiscal.label(2023) == "2023-24"

    def test_it_wraps_the_century(self):
        assert fiscal.label(1999) == "1999-00"
        assert fiscal.label(2099) == "2099-00"

    def test_it_prints_nothing_for_an_unknown_year(self):
        assert fiscal.label(None) == ""


class YearOfTests:
    @pytest.mark.parametrize(
        "day, year", [(datetime.date(2024, 3, 31), 2023), (datetime.date(2024, 4, 1), 2024), (datetime.date(2024, 1, 1), 2023)]
    )
    def test_a_day_falls_in_the_financial_year_that_began_on_the_last_1_april(self, day, year):
        assert fiscal.year_of(day) == year
        assert fiscal.first_day(year) <= day <= fiscal.last_day(year)


class ParseTests:
    @pytest.mark.parametrize("text, year", [("2023-24", 2023), ("2013-14", 2013), (" 1999-00 ", 1999)])
    def test_it_parses_labels(self, text, year):
        assert fiscal.parse(text) == year

    @pytest.mark.parametrize("text", ["2023-25", "2025-23", "2023", "2023/24", "23-24", "2023-2024", "", "abcd-ef", "1800-01"])
    def test_it_rejects_what_is_not_a_financial_year(self, text):
        with pytest.raises(fiscal.FinancialYearError):
            fiscal.parse(text)

    def test_it_says_which_year_was_meant(self):
        with pytest.raises(fiscal.FinancialYearError, match="2023-24"):
            fiscal.parse("2023-25")

    @pytest.mark.parametrize("year", range(1990, 2101))
    def test_it_round_trips(self, year):
        assert fiscal.parse(fiscal.label(year)) == year


class SpanTests:
    def test_it_prints_a_closed_period(self):
        assert fiscal.span(2013, 2015) == "2013-14 to 2015-16"

    def test_it_prints_one_year_once(self):
        assert fiscal.span(2020, 2020) == "2020-21"

    def test_it_prints_open_periods(self):
        assert fiscal.span(None, 2023) == "to 2023-24"
        assert fiscal.span(2014, None) == "from 2014-15"
        assert fiscal.span(None, None) == ""


class FormFieldTests:
    def test_it_cleans_a_label_to_the_starting_year(self):
        assert fiscal.FinancialYearFormField(required=False).clean("2015-16") == 2015

    def test_it_shows_the_stored_year_as_a_label(self):
        assert fiscal.FinancialYearFormField().prepare_value(2015) == "2015-16"

    def test_it_rejects_a_bad_label_in_plain_words(self):
        from django import forms

        with pytest.raises(forms.ValidationError, match="write it as 2023-24"):
            fiscal.FinancialYearFormField().clean("2015")


class AsciiDigitTests:
    def test_it_rejects_digits_from_other_scripts(self):
        with pytest.raises(fiscal.FinancialYearError):
            fiscal.parse("٢٠١٣-١٤")


class ParseSpanTests:
    @pytest.mark.parametrize(
        "text, years",
        [
            ("2013-14", (2013, 2013)),
            ("2013-14 to 2015-16", (2013, 2015)),
            ("to 2023-24", (None, 2023)),
            ("from 2014-15", (2014, None)),
            ("", (None, None)),
        ],
    )
    def test_it_parses_what_it_prints(self, text, years):
        assert fiscal.parse_span(text) == years
        assert fiscal.span(*years) == text

    @pytest.mark.parametrize("text", ["2015-16 to 2013-14", "2013-14 - 2015-16", "2013", "to", "from 1989", "2013-14 to"])
    def test_it_refuses_what_it_cannot_read(self, text):
        with pytest.raises(fiscal.FinancialYearError):
            fiscal.parse_span(text)

    def test_it_says_how_to_type_a_period(self):
        with pytest.raises(fiscal.FinancialYearError, match="2013-14 to 2015-16"):
            fiscal.parse_span("2013/14-2015/16")


class FormWidgetTests:
    def test_it_is_a_text_box_even_where_the_admin_asks_for_a_number(self):
        # The admin hands every integer column its number widget; a number box cannot hold "2023-24".
        from django.contrib.admin.widgets import AdminIntegerFieldWidget

        field = fiscal.FinancialYearFormField(widget=AdminIntegerFieldWidget)
        assert 'type="text"' in field.widget.render("period_start", 2023)
        assert 'value="2023-24"' in field.widget.render("period_start", field.prepare_value(2023))


class ParsePeriodTests:
    """Every form a source states a period in (fiscal.ACCEPTED_FORMS), and what each fixes."""

    @pytest.mark.parametrize(
        "text, first, last, years",
        [
            ("2023-24", 2023, 2023, None),
            ("2023/24", 2023, 2023, None),
            ("2023\u201324", 2023, 2023, None),
            ("in 2020-21", 2020, 2020, None),
            ("2013-14 to 2015-16", 2013, 2015, None),
            ("from 2013-14 to 2015-16", 2013, 2015, None),
            ("between 2013-14 and 2015-16", 2013, 2015, None),
            ("by 2028-29", None, 2028, None),
            ("By 2028-29", None, 2028, None),
            ("to 2023-24", None, 2023, None),
            ("until 2023-24", None, 2023, None),
            ("up to 2023-24", None, 2023, None),
            ("from 2014-15", 2014, None, None),
            ("since 2014-15", 2014, None, None),
            # A calendar year is all of it: it starts in the financial year holding 1 January, ends in the one holding 31 December.
            ("since 2021", 2020, None, None),
            ("from 2014", 2013, None, None),
            ("by 2024", None, 2024, None),
            ("2021 to 2024", 2020, 2024, None),
            # A month is the financial year it falls in.
            ("to March 2026", None, 2025, None),
            ("by March 2026", None, 2025, None),
            ("by Mar 2026", None, 2025, None),
            ("by April 2026", None, 2026, None),
            ("from April 2014", 2014, None, None),
            ("April 2014 to March 2016", 2014, 2015, None),
            ("15 years", None, None, 15),
            ("over 10 years", None, None, 10),
            ("ten years", None, None, 10),
            ("over the next ten years", None, None, 10),
            ("1 year", None, None, 1),
            ("10 years from 2014-15", 2014, 2023, 10),
            ("10 years to 2023-24", 2014, 2023, 10),
            ("", None, None, None),
        ],
    )
    def test_it_reads_each_accepted_form(self, text, first, last, years):
        assert fiscal.parse_period(text) == fiscal.Period(first, last, years)

    @pytest.mark.parametrize(
        "text",
        ["programme life", "over the life of the programme", "lifetime", "Programme\u2019s life", "whole-life", "over the contract's life"],
    )
    def test_it_reads_the_life_of_a_programme_as_a_length_unknown(self, text):
        assert fiscal.parse_period(text) == fiscal.Period(is_lifetime=True)

    @pytest.mark.parametrize(
        "text, reason",
        [
            ("2021", "is not a period"),
            ("2013-14 - 2015-16", "is not a period"),
            ("a year", "is not a period"),
            ("10 years from 2021", "is not a period"),
            ("by 2028-30", "2028 is followed by 2028-29"),
            ("0 years", "1 to 100 years"),
            ("since 1985", "outside the years"),
            ("2016 to 2013", "ends before it starts"),
        ],
    )
    def test_it_refuses_anything_else_and_says_why(self, text, reason):
        with pytest.raises(fiscal.FinancialYearError, match=reason):
            fiscal.parse_period(text)

    def test_it_names_the_accepted_forms_in_its_error(self):
        with pytest.raises(fiscal.FinancialYearError) as error:
            fiscal.parse_period("the medium term")
        for example in ("by 2028-29", "since 2021", "to March 2026", "15 years", "programme life"):
            assert example in str(error.value)

    @given(st.integers(fiscal.EARLIEST, fiscal.LATEST), st.sampled_from(["by", "to", "until", "up to", "By"]))
    def test_every_end_year_round_trips(self, year, word):
        text = f"{word} {fiscal.label(year)}"
        assert fiscal.parse_period(text) == fiscal.Period(None, year)
        assert fiscal.stated(None, year, None, text) == f"to {fiscal.label(year)}"

    @given(st.integers(fiscal.EARLIEST, fiscal.LATEST), st.integers(0, 5))
    def test_every_span_it_prints_reads_back(self, first, length):
        last = min(first + length, fiscal.LATEST)
        assert fiscal.parse_period(fiscal.span(first, last)) == fiscal.Period(first, last)

    @given(st.integers(fiscal.EARLIEST + 1, fiscal.LATEST), st.integers(1, 12))
    def test_a_month_falls_in_the_financial_year_that_holds_it(self, year, month):
        month_name = datetime.date(year, month, 1).strftime("%B")
        period = fiscal.parse_period(f"to {month_name} {year}")
        assert fiscal.first_day(period.last) <= datetime.date(year, month, 1) <= fiscal.last_day(period.last)

    @given(st.integers(1, 100), st.booleans())
    def test_every_length_reads_back(self, years, over):
        text = f"{'over ' if over else ''}{years} year{'s' if years != 1 else ''}"
        assert fiscal.parse_period(text) == fiscal.Period(years=years)
        assert fiscal.phrase(None, None, years, text) == f"over {text.removeprefix('over ')}"


class StatedTests:
    def test_it_shows_a_length_or_words_where_there_are_no_financial_years(self):
        assert fiscal.stated(None, None, 15, "15 years") == "15 years"
        assert fiscal.stated(None, None, None, "programme life") == "programme life"
        assert fiscal.stated(None, 2028, None, "by 2028-29") == "to 2028-29"
        assert fiscal.stated(None, None, None, "") == ""

    def test_it_phrases_a_period_with_no_financial_years_as_the_source_gave_it(self):
        assert fiscal.phrase(None, None, 15, "15 years") == "over 15 years"
        assert fiscal.phrase(None, None, None, "programme life") == "over the period the source calls \u201cprogramme life\u201d"
        assert fiscal.phrase(None, None) == "over a period the source does not state"
