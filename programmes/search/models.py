"""PostgreSQL's view of the index tables, so that queries can use django.contrib.postgres.search on them.

The tables are made by this app's migration, differently on each database (search/index.py): on PostgreSQL a row per
programme, source, figure or event with its words as a stored `tsvector`, here; on SQLite an FTS5 virtual table that
these models do not describe and that search/query.py reads with SQL. Unmanaged, so Django neither creates nor
flushes them, and DO_NOTHING: the signals in search/index.py remove a deleted row's entry on either database.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from programmes.models import Event, Figure, Programme, Source


def entry_of(model: type[models.Model]) -> models.OneToOneField:
    return models.OneToOneField(model, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="search_entry")


class Entry(models.Model):
    """A row's words, weighted, as PostgreSQL's tsvector; each kind has a table of its own."""

    document = SearchVectorField()

    class Meta:
        abstract = True
        managed = False


class ProgrammeEntry(Entry):
    programme = entry_of(Programme)

    class Meta(Entry.Meta):
        db_table = "search_programme"


class SourceEntry(Entry):
    source = entry_of(Source)

    class Meta(Entry.Meta):
        db_table = "search_source"


class FigureEntry(Entry):
    figure = entry_of(Figure)

    class Meta(Entry.Meta):
        db_table = "search_figure"


class EventEntry(Entry):
    event = entry_of(Event)

    class Meta(Entry.Meta):
        db_table = "search_event"
