from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from simple_history.signals import post_create_historical_record

        from dashboard import as_at, releases, share_images, warming
        from dashboard.exports import stamp
        from programmes import signals
        from programmes.models import Figure, Organisation, Programme, Source

        # Every write leaves a history row: the change stamp kept in the shared cache is replaced once it commits, and
        # then the main pages are built under it (in that order: the pages are built under the new stamp).
        for name, written in (("saved", post_create_historical_record), ("imported", signals.history_written)):
            written.connect(stamp.record_written, dispatch_uid=f"change-stamp-{name}")
            written.connect(warming.record_changed, dispatch_uid=f"warm-pages-{name}")
        signals.dataset_loaded.connect(warming.dataset_loaded, dispatch_uid="warm-pages-dataset-loaded")
        # The date picker's notches are the days of reports and hearings: a saved or deleted source may move one.
        post_save.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-saved")
        post_delete.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-deleted")
        # The link previews' pictures of the charts are drawn again after a change to what the charts draw.
        for model in (Figure, Source, Programme, Organisation):
            post_save.connect(share_images.record_changed, sender=model, dispatch_uid=f"share-images-{model.__name__}-saved")
            post_delete.connect(share_images.record_changed, sender=model, dispatch_uid=f"share-images-{model.__name__}-deleted")
        signals.dataset_loaded.connect(share_images.dataset_loaded, dispatch_uid="share-images-dataset-loaded")
        signals.dataset_loaded.connect(releases.dataset_loaded, dispatch_uid="releases-dataset-loaded")
