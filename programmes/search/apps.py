from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save


class SearchConfig(AppConfig):
    name = "programmes.search"
    # The label (and so the tables and migrations) stays "search": the index is its own app, kept beside the models it indexes.
    label = "search"
    verbose_name = "Search index"

    def ready(self) -> None:
        from programmes.models import Event, Figure, Organisation, Programme, Source
        from programmes.search import index

        # Every write keeps the index true (search/index.py); an organisation's name is part of its sources' and claims' entries.
        for model in (Programme, Source, Figure, Event):
            post_save.connect(index.row_saved, sender=model, dispatch_uid=f"search-{model.__name__}-saved")
            post_delete.connect(index.row_deleted, sender=model, dispatch_uid=f"search-{model.__name__}-deleted")
        pre_save.connect(index.organisation_saving, sender=Organisation, dispatch_uid="search-organisation-saving")
        post_save.connect(index.organisation_saved, sender=Organisation, dispatch_uid="search-organisation-saved")
        # `flush` (and the test runner's flush) empties the tables Django manages, then sends post_migrate: the entries of
        # rows that are gone are dropped, so an id used again later never finds another row's words.
        post_migrate.connect(index.prune, sender=self, dispatch_uid="search-prune")
