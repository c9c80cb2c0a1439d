from django.urls import path

from dashboard import change_views, cite_views, data_views, embeds, explorer, feeds, release_views, search, views
from dashboard.page_cache import cached_download

# A filtered table's download is kept whole under its query and change stamp; a whole table streams each time.
table_csv, table_json = cached_download(data_views.table_csv), cached_download(data_views.table_json)

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("charts/<slug:chart_id>.csv", views.overview_chart_csv, name="overview-chart-csv"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path("programmes/<slug:slug>/feed/", feeds.programme_feed, name="programme-feed"),
    path("programmes/<slug:slug>/charts/<slug:chart_id>.csv", views.programme_chart_csv, name="programme-chart-csv"),
    # One chart on a page of its own, which other sites may frame (dashboard/embeds.py).
    path("embed/<slug:chart_id>/", embeds.overview_embed, name="overview-embed"),
    path("embed/programmes/<slug:slug>/<slug:chart_id>/", embeds.programme_embed, name="programme-embed"),
    # A chart's picture for link previews (dashboard/share_images.py).
    path("share/<path:picture>.png", embeds.share_image, name="share-image"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("search/", search.search, name="search"),
    # Every figure in one table, with facets; its filters are the figures export's (dashboard/explorer.py).
    path("figures/", explorer.figure_list, name="figure-list"),
    path("figures/<int:pk>/", views.figure_detail, name="figure-detail"),
    # A dataset key (F047) is the canonical address: it survives a fresh install, where ids may differ.
    path("figures/<str:key>/", views.figure_detail, name="figure-key"),
    path("about/", views.about, name="about"),
    # The lists auditors asked for (dashboard/scrutiny.py): every disagreement, and every claim never audited.
    path("disagreements/", views.disagreements, name="disagreements"),
    path("disagreements.csv", views.list_csv, {"name": "disagreements"}, name="disagreements-csv"),
    path("disagreements.json", views.list_json, {"name": "disagreements"}, name="disagreements-json"),
    path("never-audited/", views.never_audited, name="never-audited"),
    path("never-audited.csv", views.list_csv, {"name": "never-audited"}, name="never-audited-csv"),
    path("never-audited.json", views.list_json, {"name": "never-audited"}, name="never-audited-json"),
    # Every correction or removal of a published figure or source, with its reason (dashboard/corrections.py).
    path("corrections/", views.corrections_log, name="corrections"),
    path("corrections.csv", views.list_csv, {"name": "corrections"}, name="corrections-csv"),
    path("corrections.json", views.list_json, {"name": "corrections"}, name="corrections-json"),
    path("corrections/feed/", feeds.corrections_feed, name="corrections-feed"),
    # What changed between two dates (dashboard/changes.py): the page, and the same as CSV and JSON.
    path("changes/", change_views.changes_page, name="changes"),
    path("changes.csv", change_views.changes_csv, name="changes-csv"),
    path("changes.json", change_views.changes_json, name="changes-json"),
    # Every change made to the record as it is made, newest first (dashboard/edits.py): all of it, or one programme's.
    path("changes/feed/", feeds.changes_feed, name="changes-feed"),
]

# Data downloads (dashboard/data_views.py): every table as CSV and JSON, the data package and the page documenting them.
urlpatterns += [
    path("data/", data_views.data, name="data"),
    path("data/datapackage.json", data_views.datapackage, name="datapackage"),
    path("data/figures.csv", table_csv, {"resource": "figures"}, name="figures-csv"),
    path("data/figures.json", table_json, {"resource": "figures"}, name="figures-json"),
    path("data/sources.csv", table_csv, {"resource": "sources"}, name="sources-csv"),
    path("data/sources.json", table_json, {"resource": "sources"}, name="sources-json"),
    path("data/programmes.csv", table_csv, {"resource": "programmes"}, name="programmes-csv"),
    path("data/programmes.json", table_json, {"resource": "programmes"}, name="programmes-json"),
    path("data/events.csv", table_csv, {"resource": "events"}, name="events-csv"),
    path("data/events.json", table_json, {"resource": "events"}, name="events-json"),
    path("data/contradictions.csv", table_csv, {"resource": "contradictions"}, name="contradictions-csv"),
    path("data/contradictions.json", table_json, {"resource": "contradictions"}, name="contradictions-json"),
    # Dataset releases (dashboard/release_views.py): each release's files, as published, at addresses that never change.
    path("data/releases/<str:version>/", release_views.release_page, name="dataset-release"),
    path("data/releases/<str:version>/<str:name>", release_views.release_file, name="dataset-release-file"),
    # A figure as a release holds it, by key (or id): the permanent address a citation gives. /figures/<key>/cite/ finds the newest.
    path("data/releases/<str:version>/figures/<str:key>/", release_views.release_figure, name="dataset-release-figure"),
    path("figures/<str:key>/cite/", release_views.cite_figure, name="figure-cite"),
    # How to cite a page and its charts, as read today (dashboard/cite_views.py).
    path("cite/", cite_views.overview_cite, name="overview-cite"),
    path("programmes/<slug:slug>/cite/", cite_views.programme_cite, name="programme-cite"),
]
