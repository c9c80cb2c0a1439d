"""An Atom feed of new and restated figures (/changes/feed/), with the same period and rules as /changes/."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from dashboard import change_views, changes, exports
from programmes import rules
from programmes.models import Figure

# The newest entries a feed holds: a reader subscribes for what is new; /changes.csv holds every change of a period.
MOST_ENTRIES = 200


@dataclass(frozen=True)
class Entries:
    """What one request for the feed shows: its newest changes, their entries and when each was last edited."""

    changes: changes.Changes
    entries: list
    edited: dict[int, datetime.datetime]


def when(day: datetime.date) -> datetime.datetime:
    """A source's day as an instant (midnight UTC), for Atom's dates."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Shared Services Savings Tracker: new and restated figures"
    subtitle = (
        "Figures added to the public record of UK government shared-services savings, and figures that restate an earlier "
        "value of the same quantity, newest publication first, each linked to its figure and source."
    )
    author_name = "Shared Services Savings Tracker"

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except change_views.BadParameter as error:
            return change_views.bad_download(error)

    def get_object(self, request: HttpRequest) -> Entries:
        since, until = change_views.period(request)
        # Only the newest entries' figures are loaded, however many changes the period holds.
        found = changes.newest(change_views.changes_index(since, until, exports.last_changed()), MOST_ENTRIES)
        entries = found.figures
        return Entries(found, entries, changes.last_edited([changes_figure(item) for item in entries]))

    def link(self, obj: Entries) -> str:
        # Also the feed's id: one feed, whatever the period asked for, so that a subscription keeps its identity.
        return reverse("dashboard:changes")

    def items(self, obj: Entries) -> list:
        return [(item, obj.edited) for item in obj.entries]

    def item_title(self, entry) -> str:
        item, _ = entry
        figure = changes_figure(item)
        what = f"{figure.programme.name}: {figure.description}"
        if isinstance(item, changes.Restatement):
            return f"Restated: {what}, {item.before.display_value} → {figure.display_value}"
        return f"New figure: {what}, {figure.display_value}"

    def item_description(self, entry) -> str:
        item, _ = entry
        figure = changes_figure(item)
        said = rules.sentence(rules.statement(figure))
        if isinstance(item, changes.Restatement):
            said += " " + rules.sentence(f"Before it, {rules.statement(item.before)}")
        return said

    def item_link(self, entry) -> str:
        return changes_figure(entry[0]).get_absolute_url()

    def item_pubdate(self, entry) -> datetime.datetime:
        return when(changes_figure(entry[0]).source.appeared_by)

    def item_updateddate(self, entry) -> datetime.datetime:
        """When the record last wrote the figure (its change history), so that a reader's feed shows an entry again when it is corrected."""
        item, edited = entry
        figure = changes_figure(item)
        return edited.get(figure.pk) or when(figure.source.appeared_by)


def changes_figure(item) -> Figure:
    return item.figure if isinstance(item, changes.Restatement) else item
