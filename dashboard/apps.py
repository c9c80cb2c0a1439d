from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from dashboard import as_at, releases, share_images
        from programmes import signals
        from programmes.models import Figure, Organisation, Programme, Source

        # The date picker's notches are the days of reports and hearings: a saved or deleted source may move one.
        post_save.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-saved")
        post_delete.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-deleted")
        # The link previews' pictures of the charts are drawn again after a change to what the charts draw.
        for model in (Figure, Source, Programme, Organisation):
            post_save.connect(share_images.record_changed, sender=model, dispatch_uid=f"share-images-{model.__name__}-saved")
            post_delete.connect(share_images.record_changed, sender=model, dispatch_uid=f"share-images-{model.__name__}-deleted")
        signals.dataset_loaded.connect(share_images.dataset_loaded, dispatch_uid="share-images-dataset-loaded")
        signals.dataset_loaded.connect(releases.dataset_loaded, dispatch_uid="releases-dataset-loaded")
