"""The search index, kept in step with the record on every write: which words each row contributes, and the upkeep.

One definition (KINDS) says which fields of a programme, source, figure and event a reader can search, and how much a
match in each counts. Each database stores them its own way:

- PostgreSQL: a table per kind holding each row's `tsvector` (django.contrib.postgres's SearchVector over the fields,
  weighted A, B or C) with a GIN index, in the text search configuration CONFIG: English stemming with no stop words
  (as FTS5), and accents removed when the server has the `unaccent` extension (since PostgreSQL 13 any database
  owner may create it; without it, accented words are found only as written).
- SQLite: an FTS5 virtual table per kind, a column per field, with the Porter stemmer and diacritics removed; its
  bm25 ranking weighs the columns as the weights say.

A row's entry is rewritten whole (delete, then INSERT ... SELECT from the row itself), so the index never holds
words a row no longer has. Writes reach here from the signals (search/apps.py) and from the import's bulk writes;
`rebuild` refills everything after a load that went around save().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Model, QuerySet

# PostgreSQL's text search configuration for the index and every query: English, with unaccent when available.
CONFIG = "search_english"
# SQLite FTS5: Porter stemming on top of Unicode word splitting, case folded and accents removed.
TOKENIZER = "porter unicode61 remove_diacritics 2"
# How much a match counts in FTS5's bm25, by PostgreSQL weight (SearchRank's defaults are 1.0, 0.4, 0.2 for A, B, C).
BM25_WEIGHTS = {"A": 10.0, "B": 4.0, "C": 1.0}


@dataclass(frozen=True)
class Field:
    """One searchable field: the name results show it under (an FTS5 column), its lookup from the row, and its weight."""

    name: str
    lookup: str
    weight: str


@dataclass(frozen=True)
class Kind:
    """One kind of thing a reader can find, its index table and its searchable fields."""

    name: str
    model: str
    table: str
    fields: tuple[Field, ...]

    def model_class(self, apps=global_apps) -> type[Model]:
        return apps.get_model(self.model)

    def key_column(self, vendor: str) -> str:
        """The column holding the row's id: FTS5's own rowid on SQLite, <model>_id on PostgreSQL (search/models.py)."""
        return "rowid" if vendor == "sqlite" else f"{self.model.rsplit('.', 1)[1].lower()}_id"


KINDS = (
    Kind(
        "programmes",
        "programmes.Programme",
        "search_programme",
        (Field("name", "name", "A"), Field("slug", "slug", "A"), Field("summary", "summary", "C")),
    ),
    Kind(
        "sources",
        "programmes.Source",
        "search_source",
        (
            Field("title", "title", "A"),
            Field("publisher", "publisher__name", "B"),
            Field("reference", "reference", "B"),
            Field("note", "note", "C"),
        ),
    ),
    Kind(
        "figures",
        "programmes.Figure",
        "search_figure",
        (
            Field("key", "key", "A"),
            Field("description", "description", "A"),
            Field("claimant", "claimant__name", "B"),
            Field("scope", "scope", "B"),
            Field("as_published", "as_published", "B"),
            Field("note", "note", "C"),
        ),
    ),
    Kind("events", "programmes.Event", "search_event", (Field("title", "title", "A"), Field("note", "note", "C"))),
)
BY_NAME = {kind.name: kind for kind in KINDS}
BY_MODEL = {kind.model: kind for kind in KINDS}
# Ids per statement when entries are rewritten for a list of rows.
BATCH = 2000


def create_tables(connection) -> None:
    """Make the index tables (and on PostgreSQL the text search configuration): called by this app's migration."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            accents = unaccent_available(connection, cursor)
            # English stemming without English stop words, as FTS5 has none: "write off" must be a phrase on both.
            cursor.execute(f"CREATE TEXT SEARCH DICTIONARY {CONFIG}_stem (TEMPLATE = snowball, Language = english)")
            cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.english)")
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH {CONFIG}_stem"
            )
            # Words with letters outside ASCII lose their accents before stemming: "Café" is found by "cafe".
            unaccented = "unaccent, " if accents else ""
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR word, hword, hword_part WITH {unaccented}{CONFIG}_stem"
            )
            for kind in KINDS:
                key = kind.key_column(connection.vendor)
                cursor.execute(f"CREATE TABLE {kind.table} ({key} bigint PRIMARY KEY, document tsvector NOT NULL)")
                cursor.execute(f"CREATE INDEX {kind.table}_document ON {kind.table} USING gin (document)")
        elif connection.vendor == "sqlite":
            for kind in KINDS:
                columns = ", ".join(connection.ops.quote_name(field.name) for field in kind.fields)
                cursor.execute(f"CREATE VIRTUAL TABLE {kind.table} USING fts5({columns}, tokenize = '{TOKENIZER}')")
                weights = ", ".join(str(BM25_WEIGHTS[field.weight]) for field in kind.fields)
                # FTS5 keeps this as the table's default ranking: ORDER BY rank is bm25 with these column weights.
                cursor.execute(f"INSERT INTO {kind.table} ({kind.table}, rank) VALUES ('rank', 'bm25({weights})')")
        else:
            raise DatabaseError(f"The search index supports PostgreSQL and SQLite, not {connection.vendor}.")


def unaccent_available(connection, cursor) -> bool:
    """Create the unaccent extension if it is missing; False when the server lacks it or the role may not create it."""
    try:
        with transaction.atomic(using=connection.alias):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError:
        return False
    return True


def drop_tables(connection) -> None:
    with connection.cursor() as cursor:
        for kind in KINDS:
            cursor.execute(f"DROP TABLE IF EXISTS {kind.table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
            cursor.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS {CONFIG}_stem")


def entries(kind: Kind, rows: QuerySet, vendor: str) -> QuerySet:
    """The index entries of these rows, as a query whose columns are those of the index table."""
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        vector = None
        for weight in sorted({field.weight for field in kind.fields}):
            lookups = [field.lookup for field in kind.fields if field.weight == weight]
            part = SearchVector(*lookups, config=CONFIG, weight=weight)
            vector = part if vector is None else vector + part
        return rows.annotate(search_document=vector).values_list("pk", "search_document")
    return rows.values_list("pk", *(field.lookup for field in kind.fields))


def refresh(kind: Kind, rows: Iterable[int] | QuerySet | None = None, using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> None:
    """Rewrite the entries of these rows (ids, or a queryset of the kind's model; None: every row) from the rows themselves."""
    if isinstance(rows, QuerySet):
        rewrite(kind, rows.values("pk"), using, apps)
    elif rows is None:
        rewrite(kind, None, using, apps)
    else:
        ids = sorted(set(rows))
        for start in range(0, len(ids), BATCH):
            rewrite(kind, ids[start : start + BATCH], using, apps)


def rewrite(kind: Kind, chosen, using: str, apps) -> None:
    connection = connections[using]
    model = kind.model_class(apps)
    rows = model._default_manager.using(using).order_by()
    if chosen is not None:
        rows = rows.filter(pk__in=chosen)
    key = kind.key_column(connection.vendor)
    columns = ["document"] if connection.vendor == "postgresql" else [connection.ops.quote_name(field.name) for field in kind.fields]
    select, params = entries(kind, rows, connection.vendor).query.get_compiler(using=using).as_sql()
    with connection.cursor() as cursor:
        if chosen is None:
            cursor.execute(f"DELETE FROM {kind.table}")
        else:
            ids, id_params = rows.values("pk").query.get_compiler(using=using).as_sql()
            cursor.execute(f"DELETE FROM {kind.table} WHERE {key} IN ({ids})", id_params)
        cursor.execute(f"INSERT INTO {kind.table} ({key}, {', '.join(columns)}) {select}", params)


def remove(kind: Kind, ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the entries of rows that were deleted."""
    connection = connections[using]
    ids = sorted(set(ids))
    key = kind.key_column(connection.vendor)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            cursor.execute(f"DELETE FROM {kind.table} WHERE {key} IN ({', '.join(['%s'] * len(batch))})", batch)


def rebuild(using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> None:
    """Refill the whole index from the record: after a bulk load that did not go through save()."""
    with transaction.atomic(using=using):
        for kind in KINDS:
            refresh(kind, None, using, apps)


def prune(sender=None, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """Drop the entries whose row is gone (after `flush`, which empties the record's tables but not these)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for kind in KINDS:
            try:
                model = kind.model_class(apps)
            except LookupError:  # migrating backwards, before the model existed
                continue
            if kind.table not in existing or model._meta.db_table not in existing:
                continue
            key = kind.key_column(connection.vendor)
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(f"DELETE FROM {kind.table} WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {table}.{pk} = {kind.table}.{key})")


def kind_of(model: type[Model]) -> Kind:
    return BY_MODEL[model._meta.label]


def row_saved(sender, instance: Model, raw: bool = False, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    if raw:  # loaddata: related rows may not exist yet; `manage.py rebuild_search_index` afterwards
        return
    refresh(kind_of(sender), [instance.pk], using)


def row_deleted(sender, instance: Model, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    remove(kind_of(sender), [instance.pk], using)


def organisation_saving(sender, instance, raw: bool = False, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Note the name an organisation had: its sources' and claims' entries hold it."""
    if raw or instance.pk is None:
        return
    instance.search_previous_name = sender._default_manager.using(using).filter(pk=instance.pk).values_list("name", flat=True).first()


def organisation_saved(sender, instance, raw: bool = False, created: bool = False, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    if raw or created or getattr(instance, "search_previous_name", instance.name) == instance.name:
        return
    from programmes.models import Figure, Source

    refresh(BY_NAME["sources"], Source.objects.using(using).filter(publisher=instance), using)
    refresh(BY_NAME["figures"], Figure.objects.using(using).filter(claimant=instance), using)
