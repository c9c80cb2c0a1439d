import pytest

from programmes import fiscal


class LabelTests:
    def test_it_prints_the_starting_year_as_a_label(self):
        assert fiscal.label(2023) == "2023-24"

    def test_it_wraps_the_century(self):
        assert fiscal.label(1999) == "1999-00"
        assert fiscal.label(2099) == "2099-00"

    def test_it_prints_nothing_for_an_unknown_year(self):
        assert fiscal.label(None) == ""


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
