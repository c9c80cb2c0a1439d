"""What a reader typed into the search box, read into terms, and the rows of each kind that match them all.

How a query is read (the search page says the same to readers):

- Each word must match (AND). Case and accents are ignored and English words are stemmed, so "saving" finds
  "savings" and "cafe" finds "Café". A hyphenated or dotted word ("write-off", "ISSC2", "F047") is searched as the
  words it is made of, next to each other, as the text writes them.
- Common English words ("the", "of", "off" alone) are left out; a query of nothing else finds nothing, and says so.
- A sum of money is an amount in £ millions, read as the admin reads a value as published: "£504m", "504m", "£1.4bn",
  "£504 million", "£400-600m". It finds the figures in £ millions whose value is that amount (for a range asked
  for: whose value lies in it, or whose range overlaps it), listed first, and any row whose text writes the amount
  the same way ("a further £504m" in a note, "£400–600m" as published finds "600m"). "£504" without m or bn is not read as money: the record keeps money in £ millions.
- Only the first MAX_CHARACTERS characters and MAX_TERMS terms are read; control characters are dropped. Nothing a
  reader types reaches the database except as a bound parameter, and on SQLite each term is a quoted FTS5 string, so
  no input is ever FTS5 or SQL syntax.

Matched words come back marked: the database's own highlighter (FTS5 highlight(), PostgreSQL ts_headline) wraps them
in two private-use characters, the text is HTML-escaped, and only then are those characters turned into <mark>.
"""

from __future__ import annotations

import datetime
import re
import string
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Case, F, IntegerField, Model, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from programmes import published
from programmes.models import Event, Figure, Programme, Source, Unit
from programmes.search.index import CONFIG, Kind

MAX_CHARACTERS = 200
MAX_TERMS = 10
# PostgreSQL's English stop words (tsearch_data/english.stop): left out on both databases, so both find the same rows.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it
    its itself they them their theirs themselves what which who whom this that these those am is are was were be been
    being have has had having do does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on off over under again further
    then once here there when where why how all any both each few more most other some such no nor not only own same so
    than too very s t can will just don should now""".split()  # noqa: SIM905 (the list as PostgreSQL ships it, readable)
)
WORD = re.compile(r"\w+")
# "£504 million" is one amount: the scale word joins its number before the query is split into terms.
SCALE = re.compile(r"(\d)\s+(m|mn|million|bn|billion)\b", re.IGNORECASE)
MONEY = re.compile(r"^£?\d[\d,.]*(?:[-–—]£?\d[\d,.]*)?(?:m|mn|bn|million|billion)?$", re.IGNORECASE)
# Punctuation around a term is not part of it: quotes, brackets, commas, a question mark. £ and % are.
EDGES = "".join(ch for ch in string.punctuation if ch not in "£%") + "‘’“”«»…–—"
# Wrapped around matched words by the database; never in the record's text (the import refuses control characters,
# and these two are private-use code points no source uses).
START, STOP = "\ue000", "\ue001"
# A hyphen between letters: "write-off".
HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


@dataclass(frozen=True)
class Term:
    """One term of the query: words to find in the text, and for a sum of money the amount in £ millions."""

    text: str
    low: Decimal | None = None
    high: Decimal | None = None
    # Other ways the text may write the same amount: "£504 million" is also "504m".
    also: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.text, *self.also)

    @property
    def is_money(self) -> bool:
        return self.low is not None


@dataclass(frozen=True)
class Reading:
    """The query as the search reads it."""

    typed: str
    terms: tuple[Term, ...] = ()
    ignored: tuple[str, ...] = ()
    shortened: bool = False

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def words(self) -> list[Term]:
        return [term for term in self.terms if not term.is_money]

    @property
    def amounts(self) -> list[Term]:
        return [term for term in self.terms if term.is_money]


def read(text: str) -> Reading:
    """Read the search box's text into terms (see the module's docstring for the rules)."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    shortened = len(text) > MAX_CHARACTERS
    typed = " ".join(text[:MAX_CHARACTERS].split())
    terms: list[Term] = []
    ignored: list[str] = []
    for chunk in SCALE.sub(r"\1\2", typed).split(" "):
        chunk = chunk.strip(EDGES)
        if not chunk:
            continue
        term = money(chunk)
        if term is None:
            words = WORD.findall(chunk)
            if not words:
                continue
            if all(word.casefold() in STOP_WORDS for word in words):
                ignored.append(chunk)
                continue
            term = Term(chunk)
        if term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        terms, shortened = terms[:MAX_TERMS], True
    return Reading(typed, tuple(terms), tuple(dict.fromkeys(ignored)), shortened)


def money(chunk: str) -> Term | None:
    """A sum of money as the admin reads one ("£504m", "£1.4bn", "£400-600m"), as a term with its amount in £ millions."""
    if not MONEY.match(chunk) or not ("£" in chunk or chunk[-1].isalpha()):
        return None
    try:
        value = published.read(re.sub(r"mn$", "m", chunk, flags=re.IGNORECASE))
    except published.Unreadable:
        return None
    if value.unit != Unit.GBP_M:
        return None
    low = value.value if value.value is not None else value.value_low
    high = value.value if value.value is not None else value.value_high
    # The text is searched as written, without the £ (which no tokenizer keeps): "£504m" is the word 504m; and as the
    # record writes amounts, in m, or bn from £1bn.
    typed = chunk.replace("£", "")
    also = []
    if low == high:
        also.append(f"{low.normalize():f}m")
        if low >= 1000:
            also.append(f"{(low / 1000).normalize():f}bn")
    return Term(typed, low, high, tuple(text for text in dict.fromkeys(also) if text.casefold() != typed.casefold()))


@dataclass
class Result:
    """One row found: the row (with what its page shows), its searched fields marked, and whether its value matched."""

    row: Model
    marked: dict[str, SafeString] = field(default_factory=dict)
    amount: bool = False


@dataclass
class Found:
    kind: Kind
    count: int
    results: list[Result]


def visible(kind: Kind, as_at: datetime.date | None) -> QuerySet:
    """The rows of this kind in the record as it stood on as_at (None: today), with what a result shows loaded with them."""
    if kind.name == "figures":
        return Figure.objects.as_at(as_at).with_related()
    if kind.name == "sources":
        return Source.objects.as_at(as_at).select_related("publisher")
    if kind.name == "events":
        return Event.objects.as_at(as_at).with_related()
    # A programme is in the record from the publication that announced it.
    return Programme.objects.select_related("parent").announced_by(as_at)


def amount_matches(term: Term) -> Q:
    """Figures in £ millions of the term's amount: that value exactly; for a range asked for, any value or range within reach of it."""
    if term.low == term.high:
        return Q(unit=Unit.GBP_M, value=term.low)
    point = Q(value__gte=term.low, value__lte=term.high)
    band = Q(value_low__lte=term.high, value_high__gte=term.low)
    return Q(unit=Unit.GBP_M) & (point | band)


def find(kind: Kind, reading: Reading, as_at: datetime.date | None = None, offset: int = 0, limit: int = 10) -> Found:
    """How many rows of this kind match every term, and `limit` of them from `offset`, best first, with their marks."""
    rows = visible(kind, as_at)
    backend = Postgres if connections[rows.db].vendor == "postgresql" else Sqlite
    rows = backend.matching(kind, rows, reading, as_at)
    # The best ids first (a sort of narrow rows); a first page that is not full says how many there are by itself.
    best = list(rows.values_list("pk", "search_amount")[offset : offset + limit])
    count = len(best) if offset == 0 and len(best) < limit else rows.count()
    if not best:
        return Found(kind, count, [])
    # Then those rows with what a result shows, and the words each field matched.
    shown = backend.shown(kind, visible(kind, as_at), [pk for pk, _ in best], reading)
    results = []
    for pk, amount in best:
        if pk not in shown:  # an entry whose row is gone (rows changed outside the admin, before a rebuild): not a result
            continue
        row, marks = shown[pk]
        marked = {f.name: marked_html(marks.get(f.name, value_of(row, f.lookup))) for f in kind.fields}
        results.append(Result(row, marked, bool(amount)))
    return Found(kind, count, results)


def value_of(row: Model, lookup: str) -> str:
    for name in lookup.split("__"):
        row = getattr(row, name)
    return str(row)


def marked_html(text: str) -> SafeString:
    """The text HTML-escaped, then the database's marks turned into <mark>: no character of the record is ever markup."""
    escaped = escape(text)
    return mark_safe(MARKED.sub(r"<mark>\1</mark>", escaped).replace(START, "").replace(STOP, ""))  # noqa: S308 (escaped above)


def by_amount(kind: Kind, rows: QuerySet, reading: Reading, text_of) -> QuerySet:
    """Each sum of money must match: on a figure by its value, or on any row by text that writes it the same way."""
    for term in reading.amounts:
        condition = text_of(term)
        if kind.name == "figures":
            condition |= amount_matches(term)
        rows = rows.filter(condition)
    if kind.name == "figures" and reading.amounts:
        found_by_value = Q()
        for term in reading.amounts:
            found_by_value &= amount_matches(term)
        return rows.annotate(search_amount=Case(When(found_by_value, then=Value(1)), default=Value(0), output_field=IntegerField()))
    return rows.annotate(search_amount=Value(0, output_field=IntegerField()))


class Postgres:
    """django.contrib.postgres.search over the stored tsvectors (search/models.py), in the index's configuration."""

    @staticmethod
    def query(term: Term):
        return Postgres.phrase(term.text)

    @staticmethod
    def phrase(text: str):
        from django.contrib.postgres.search import SearchQuery

        # A phrase, like FTS5's quoted string; the parser keeps "write-off" whole beside its parts, so the hyphen becomes
        # a space and "writes off" is found too, as on SQLite.
        return SearchQuery(HYPHEN.sub(" ", text), config=CONFIG, search_type="phrase")

    @classmethod
    def all_of(cls, terms: list[Term]) -> object:
        combined = cls.query(terms[0])
        for term in terms[1:]:
            combined &= cls.query(term)
        return combined

    @classmethod
    def any_of(cls, texts) -> object:
        texts = list(texts)
        combined = cls.phrase(texts[0])
        for text in texts[1:]:
            combined |= cls.phrase(text)
        return combined

    @classmethod
    def matching(cls, kind: Kind, rows: QuerySet, reading: Reading, as_at: datetime.date | None) -> QuerySet:
        from django.contrib.postgres.search import SearchRank

        entries = kind.model_class()._meta.get_field("search_entry").related_model.objects
        if as_at is None and not reading.amounts:
            # Today's record and words alone: the index table answers by itself, so counting reads no row of the
            # record and the best few are a bounded sort (a join above the sort would make it sort every match).
            words = cls.all_of(reading.words)
            rank = SearchRank(F("document"), words)
            matched = entries.filter(document=words).annotate(search_rank=rank, search_amount=Value(0, output_field=IntegerField()))
            return matched.order_by("-search_rank", "pk")

        def text_of(term: Term) -> Q:
            return Q(pk__in=entries.filter(document=cls.any_of(term.texts)).values("pk"))

        rows = by_amount(kind, rows, reading, text_of)
        if reading.words:
            words = cls.all_of(reading.words)
            rows = rows.filter(search_entry__document=words).annotate(search_rank=SearchRank(F("search_entry__document"), words))
        else:
            rows = rows.annotate(search_rank=Value(0.0))
        return rows.order_by("-search_amount", "-search_rank", "pk")

    @classmethod
    def shown(cls, kind: Kind, rows: QuerySet, ids: list[int], reading: Reading) -> dict[int, tuple[Model, dict[str, str]]]:
        """These rows, each with its searched fields as ts_headline marks them: one query."""
        from django.contrib.postgres.search import SearchHeadline

        any_term = cls.any_of(text for term in reading.terms for text in term.texts)
        headlines = {
            f"marked_{f.name}": SearchHeadline(f.lookup, any_term, config=CONFIG, start_sel=START, stop_sel=STOP, highlight_all=True)
            for f in kind.fields
        }
        return {
            row.pk: (row, {f.name: getattr(row, f"marked_{f.name}") or "" for f in kind.fields})
            for row in rows.filter(pk__in=ids).order_by().annotate(**headlines)
        }


class Sqlite:
    """FTS5: each term a quoted string (so never FTS5 syntax), ranked by bm25 with the column weights of search/index.py."""

    @staticmethod
    def phrase(term: Term) -> str:
        return Sqlite.quoted(term.text)

    @staticmethod
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    @classmethod
    def any_of(cls, texts) -> str:
        return " OR ".join(cls.quoted(text) for text in texts)

    @classmethod
    def matching(cls, kind: Kind, rows: QuerySet, reading: Reading, as_at: datetime.date | None) -> QuerySet:
        table = kind.table

        def text_of(term: Term) -> Q:
            return Q(pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [cls.any_of(term.texts)]))

        rows = by_amount(kind, rows, reading, text_of)
        if reading.words:
            own = f"{rows.model._meta.db_table}.{rows.model._meta.pk.column}"
            # The index table joins the query by rowid, so that FTS5's rank (bm25) can order the rows.
            rows = rows.extra(
                tables=[table],
                where=[f"{table}.rowid = {own}", f"{table} MATCH %s"],
                params=[" AND ".join(cls.phrase(term) for term in reading.words)],
                select={"search_rank": f"{table}.rank"},
            )
            return rows.order_by("-search_amount", "search_rank", "pk")
        return rows.order_by("-search_amount", "pk")

    @classmethod
    def shown(cls, kind: Kind, rows: QuerySet, ids: list[int], reading: Reading) -> dict[int, tuple[Model, dict[str, str]]]:
        """These rows, and their searched fields as FTS5's highlight() marks them (a row matched by its value alone has none)."""
        marks = cls.marks(kind, ids, reading, rows.db)
        return {pk: (row, marks.get(pk, {})) for pk, row in rows.in_bulk(ids).items()}

    @classmethod
    def marks(cls, kind: Kind, ids: list[int], reading: Reading, using: str) -> dict[int, dict[str, str]]:
        table = kind.table
        columns = ", ".join(f"highlight({table}, {number}, %s, %s)" for number in range(len(kind.fields)))
        params: list = [value for _ in kind.fields for value in (START, STOP)]
        params += [cls.any_of(text for term in reading.terms for text in term.texts), *ids]
        sql = f"SELECT rowid, {columns} FROM {table} WHERE {table} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})"
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: {f.name: text for f, text in zip(kind.fields, row[1:], strict=True)} for row in cursor.fetchall()}
