from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from dashboard import as_at
        from programmes.models import Source

        # The date picker's notches are the days of reports and hearings: a saved or deleted source may move one.
        post_save.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-saved")
        post_delete.connect(as_at.notches_changed, sender=Source, dispatch_uid="as-at-notches-deleted")
