"""The downloads' query string, read one parameter at a time so that each mistake names its parameter."""

from __future__ import annotations

import datetime
import functools
import operator

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from dashboard import as_at
from dashboard.exports.schema import Resource
from programmes import fiscal
from programmes.models import Figure, Organisation, Programme, Source


class FilterError(ValueError):
    """A query parameter an export cannot honour; it names the parameter and what it accepts."""

    def __init__(self, parameter: str, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.allowed = allowed

    def as_text(self) -> str:
        return f"{self.message}\nAllowed: {', '.join(self.allowed)}.\nSee /data/ for every parameter.\n"

    def as_json(self) -> dict:
        return {"error": {"parameter": self.parameter, "message": self.message, "allowed": self.allowed}}


YEAR_ALLOWED = [f"a financial year written like 2013-14, from {fiscal.label(fiscal.EARLIEST)} to {fiscal.label(fiscal.LATEST)}"]


FLAG_VALUES = ["0", "1"]
AS_AT_ALLOWED = ["a date written like 2016-05-20"]
TEXT_ALLOWED = ["any text, or nothing"]
PAGE_ALLOWED = ["a whole number from 1", "all"]


class Query:
    """An export's query string, read one parameter at a time so that each mistake names its parameter.

    Unknown parameters are refused: a typo such as ?staus=audited must not quietly return every row.
    """

    def __init__(self, params: QueryDict, resource: Resource) -> None:
        accepted = [parameter.name for parameter in resource.parameters]
        for name in params:
            if name not in accepted:
                raise FilterError(name, f"{name!r} is not a parameter of the {resource.name} export.", accepted)
        self.params = params
        self.applied: dict[str, object] = {}

    def values(self, name: str, allowed: list[str]) -> list[str]:
        """Every value given for a repeatable parameter, each one checked against the allowed list."""
        values = self.params.getlist(name)
        for value in values:
            if value not in allowed:
                raise FilterError(name, f"{name}={value!r} is not allowed.", allowed)
        if values:
            self.applied[name] = list(dict.fromkeys(values))
        return values

    def chosen(self, queryset: QuerySet, name: str, choices: type) -> QuerySet:
        """The queryset kept to the values given for the choice parameter `name` (of `choices`); all of it when none is given."""
        if values := self.values(name, list(choices.values)):
            return queryset.filter(**{f"{name}__in": values})
        return queryset

    def single(self, name: str, allowed: list[str]) -> str | None:
        values = self.params.getlist(name)
        if len(values) > 1:
            raise FilterError(name, f"{name} was given {len(values)} times; give it once.", allowed)
        return values[0] if values else None

    def flag(self, name: str) -> bool:
        value = self.single(name, FLAG_VALUES)
        if value is None:
            return False
        if value not in FLAG_VALUES:
            raise FilterError(name, f"{name}={value!r} is not allowed.", FLAG_VALUES)
        if value == "1":
            self.applied[name] = True
        return value == "1"

    def choice(self, name: str, allowed: list[str]) -> str | None:
        """One value, given at most once, of the allowed ones; None when absent."""
        value = self.single(name, allowed)
        if value is None:
            return None
        if value not in allowed:
            raise FilterError(name, f"{name}={value!r} is not allowed.", allowed)
        self.applied[name] = value
        return value

    def year(self, name: str) -> int | None:
        value = self.single(name, YEAR_ALLOWED)
        if value is None:
            return None
        try:
            year = fiscal.parse(value)
        except fiscal.FinancialYearError as error:
            raise FilterError(name, f"{name}: {error}", YEAR_ALLOWED) from error
        self.applied[name] = fiscal.label(year)
        return year

    def programmes(self, name: str) -> list[Programme]:
        if not self.params.getlist(name):
            return []
        slugs = self.values(name, list(Programme.objects.order_by("slug").values_list("slug", flat=True)))
        return list(Programme.objects.filter(slug__in=slugs))

    def publishers(self, name: str) -> list[str]:
        return self.organisations(name, Organisation.objects.filter(Exists(Source.objects.filter(publisher=OuterRef("pk")))), "a publisher")

    def claimants(self, name: str) -> list[str]:
        return self.organisations(name, Organisation.objects.filter(Exists(Figure.objects.filter(claimant=OuterRef("pk")))), "a claimant")

    def organisations(self, name: str, in_role: QuerySet, noun: str) -> list[str]:
        """Organisation names, each one that the record holds in this role (EXISTS: an index lookup each), any case."""
        given = self.params.getlist(name)
        if not given:
            return []
        # Organisations are names, not codes; matching them regardless of case saves analysts a round trip.
        asked = in_role.filter(functools.reduce(operator.or_, (Q(name__iexact=value) for value in given)))
        by_folded = {organisation.casefold(): organisation for organisation in asked.values_list("name", flat=True)}
        for value in given:
            if value.casefold() not in by_folded:
                known = list(in_role.order_by("name").values_list("name", flat=True))
                raise FilterError(name, f"{name}={value!r} is not {noun} in the record.", known)
        chosen = list(dict.fromkeys(by_folded[value.casefold()] for value in given))
        self.applied[name] = chosen
        return chosen

    def texts(self, name: str, longest: int) -> list[str]:
        """Free text values (blank allowed), each at most `longest` characters: they filter, so unknown ones find nothing."""
        values = self.params.getlist(name)
        for value in values:
            if len(value) > longest:
                raise FilterError(name, f"{name} is longer than any {name} in the record ({longest} characters at most).", TEXT_ALLOWED)
        if values:
            self.applied[name] = list(dict.fromkeys(values))
        return list(dict.fromkeys(values))

    def sort(self, name: str, keys: list[str]) -> str | None:
        """A key to order rows by, with a leading - for descending."""
        allowed = keys + [f"-{key}" for key in keys]
        value = self.single(name, allowed)
        if value is None:
            return None
        if value not in allowed:
            raise FilterError(name, f"{name}={value!r} is not a column to sort by.", allowed)
        self.applied[name] = value
        return value

    def page(self, name: str) -> None:
        """Check a page number, or `all` (the figure explorer's; a download holds every page, so it only checks it)."""
        value = self.single(name, PAGE_ALLOWED)
        if value is None or value == "all":
            return
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise FilterError(name, f"{name}={value!r} is not a page number.", PAGE_ALLOWED)

    def as_at(self) -> datetime.date | None:
        """The day the table is read at (as_at), moved back to the latest day a source appeared as the pages do; None for today."""
        value = self.single(as_at.PARAMETER, AS_AT_ALLOWED)
        if value is None or not value.strip():
            return None
        try:
            day = as_at.normalise(as_at.parse(value))
        except as_at.BadDate as error:
            raise FilterError(as_at.PARAMETER, str(error), AS_AT_ALLOWED) from error
        if day is not None:  # a date on or after the latest publication is today's record
            self.applied[as_at.PARAMETER] = day.isoformat()
        return day

    def period(self) -> tuple[int | None, int | None]:
        first, last = self.year("from"), self.year("to")
        if first is not None and last is not None and last < first:
            raise FilterError(
                "to",
                f"to={fiscal.label(last)} is before from={fiscal.label(first)}; the period would be empty.",
                [f"a financial year from {fiscal.label(first)} onwards"],
            )
        return first, last


def in_requested_programmes(query: Query, queryset: QuerySet) -> QuerySet:
    """Rows about the programme=<slug> parameters, with their centres and clusters when include_children=1."""
    programmes = query.programmes("programme")
    include_children = query.flag("include_children")
    if include_children and not programmes:
        raise FilterError("include_children", "include_children needs at least one programme=<slug>.", FLAG_VALUES)
    return queryset.in_programmes(programmes, include_children) if programmes else queryset


def read_at(queryset: QuerySet, day: datetime.date | None) -> QuerySet:
    """The rows as the record stood on day (the model's as_at); the computed columns take the day from the request."""
    return queryset.as_at(day)
