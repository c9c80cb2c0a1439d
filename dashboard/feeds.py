"""Atom feeds of the changes made to the record, newest first: every programme's at /changes/feed/, one programme's at
/programmes/<slug>/feed/ (dashboard/edits.py says what counts as a change and what each entry holds), and the
corrections log's at /corrections/feed/: every correction or removal of a figure or a source (dashboard/corrections.py).

A feed reader asks the same address for years, so a feed takes no dates: the since and until that /changes/ reads are
ignored, and the dated links the changes page once offered to subscribe to now follow every new change as well. A
malformed or future as_at is refused as on every address, but a good one changes nothing here: the feeds list what
was done to the record and when, and a date in the past would freeze them again.

Each feed is served like a page (page_cache.cached_page): its ETag and Last-Modified follow the record's change stamp,
so a reader that already holds the latest entries gets a 304.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from dashboard import corrections, edits
from dashboard.page_cache import cached_page
from programmes import rules
from programmes.models import Programme

# The newest entries a feed holds: a reader subscribes for what is new; /changes.csv holds every change of a period.
MOST_ENTRIES = 200
AUTHOR = "Shared Services Savings Tracker"


@dataclass(frozen=True)
class Entries:
    """What one request for a feed shows: its newest changes, whose programme (None for every one), and where entry ids begin."""

    edits: list[edits.Edit]
    programme: Programme | None
    id_base: str


def entry_id(edit: edits.Edit, id_base: str) -> str:
    """One id a change, the same in both feeds: a correction of a figure already read is a new entry in a reader."""
    return f"{id_base}#change-{edit.history_id}"


def title_of(edit: edits.Edit) -> str:
    figure = edit.figure
    what = f"{figure.programme.name}: {figure.description}"
    if edit.kind == "restated":
        return f"Restated: {what}, {edit.restates.display_value} → {figure.display_value}"
    if edit.kind == "corrected":
        return f"Corrected: {what} ({', '.join(change.label for change in edit.changed)})"
    if edit.kind == "removed":
        return f"Removed: {what}, {figure.display_value}"
    return f"New figure: {what}, {figure.display_value}"


def description_of(edit: edits.Edit) -> str:
    said = rules.sentence(rules.statement(edit.figure))
    if edit.kind == "restated":
        said += " " + rules.sentence(f"Before it, {rules.statement(edit.restates)}")
    elif edit.kind == "corrected":
        corrected = "; ".join(f"{change.label} from {change.before} to {change.after}" for change in edit.changed)
        said = rules.sentence(f"Corrected: {corrected}") + " " + said
    elif edit.kind == "removed":
        said = "Removed from the record. It said: " + said
    if edit.reason:
        said += " " + rules.sentence(f"Reason given: {edit.reason}")
    if edit.kind in ("corrected", "removed"):
        said += " " + rules.sentence(f"Made by: {edit.role}")
    return said


class StampedFeed(Feed):
    """An Atom feed of this site, dated by the record's change stamp."""

    feed_type = Atom1Feed
    author_name = AUTHOR

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The feed's date is the record's change stamp, set with its ETag (cached_page), not its newest entry's: a 304
        # for a date must agree with the ETag, and an edit of a source or programme changes what entries say.
        del response["Last-Modified"]
        return response


class ChangesFeed(StampedFeed):
    title = f"{AUTHOR}: changes to the record"
    subtitle = (
        "Every change to the public record of UK government shared-services savings as it is made, newest first: figures "
        "added (saying when one restates an earlier value of the same quantity), corrected and removed, each linked to its figure."
    )

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Entries:
        return Entries(edits.newest(MOST_ENTRIES), None, request.build_absolute_uri(reverse("dashboard:changes-feed")))

    def link(self, obj: Entries) -> str:
        # Also the feed's id, whatever the query: one subscription keeps one identity.
        return reverse("dashboard:changes")

    def items(self, obj: Entries) -> list[tuple[edits.Edit, str]]:
        return [(edit, obj.id_base) for edit in obj.edits]

    def item_title(self, item: tuple[edits.Edit, str]) -> str:
        return title_of(item[0])

    def item_description(self, item: tuple[edits.Edit, str]) -> str:
        return description_of(item[0])

    def item_link(self, item: tuple[edits.Edit, str]) -> str:
        return item[0].url

    def item_guid(self, item: tuple[edits.Edit, str]) -> str:
        return entry_id(*item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: tuple[edits.Edit, str]) -> datetime.datetime:
        return item[0].when

    def item_updateddate(self, item: tuple[edits.Edit, str]) -> datetime.datetime:
        return item[0].when


class ProgrammeFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, *args, slug: str = "", **kwargs) -> Entries:
        programme = get_object_or_404(Programme, slug=slug)
        id_base = request.build_absolute_uri(reverse("dashboard:changes-feed"))
        return Entries(edits.newest(MOST_ENTRIES, programme), programme, id_base)

    def title(self, obj: Entries) -> str:
        return f"{AUTHOR}: changes to {obj.programme.name}"

    def subtitle(self, obj: Entries) -> str:
        return f"Every change to the record of {obj.programme.name}'s figures as it is made, newest first: figures added, corrected and removed."

    def link(self, obj: Entries) -> str:
        return obj.programme.get_absolute_url()


@require_safe
@cached_page()
def changes_feed(request: HttpRequest) -> HttpResponse:
    return ChangesFeed()(request)


@require_safe
@cached_page()
def programme_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return ProgrammeFeed()(request, slug=slug)


def correction_title(correction: corrections.Correction) -> str:
    if correction.subject == "source":
        return f"Source {correction.action}: {correction.what}"
    what = f"{correction.programme_name}: {correction.what}"
    if correction.action == "removed":
        return f"Removed: {what}"
    return f"Corrected: {what} ({', '.join(change.label for change in correction.changed)})"


def correction_description(correction: corrections.Correction) -> str:
    """What was published, what it is now (or that it was removed), the reason and who made it, by role."""
    if correction.action == "removed":
        said = "Removed from the record. " + correction.said
    else:
        said = rules.sentence(
            "Corrected: " + "; ".join(f"{change.label} from {change.before} to {change.after}" for change in correction.changed)
        )
    said += " " + rules.sentence(f"Reason given: {correction.reason or 'none recorded'}")
    return said + " " + rules.sentence(f"Made by: {correction.role}")


class CorrectionsFeed(StampedFeed):
    title = f"{AUTHOR}: corrections"
    subtitle = (
        "Every correction or removal of a published figure or source, newest first: what was published, what it is now "
        "or that it was removed, the reason, and the role of whoever made it."
    )

    def get_object(self, request: HttpRequest, *args, **kwargs) -> str:
        return request.build_absolute_uri(reverse("dashboard:corrections-feed"))

    def link(self, obj: str) -> str:
        return reverse("dashboard:corrections")

    def items(self, obj: str) -> list[tuple[corrections.Correction, str]]:
        return [(correction, obj) for correction in corrections.every_correction()[:MOST_ENTRIES]]

    def item_title(self, item: tuple[corrections.Correction, str]) -> str:
        return correction_title(item[0])

    def item_description(self, item: tuple[corrections.Correction, str]) -> str:
        return correction_description(item[0])

    def item_link(self, item: tuple[corrections.Correction, str]) -> str:
        # What is gone is told on the log itself.
        return item[0].url or item[0].programme_url or reverse("dashboard:corrections")

    def item_guid(self, item: tuple[corrections.Correction, str]) -> str:
        return f"{item[1]}#{item[0].anchor}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: tuple[corrections.Correction, str]) -> datetime.datetime:
        return item[0].when

    def item_updateddate(self, item: tuple[corrections.Correction, str]) -> datetime.datetime:
        return item[0].when


@require_safe
@cached_page()
def corrections_feed(request: HttpRequest) -> HttpResponse:
    return CorrectionsFeed()(request)
