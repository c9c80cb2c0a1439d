from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes and their figures"

    def ready(self) -> None:
        from programmes import flags, lines
        from programmes.models import Figure, Organisation, Programme, Source

        # Every write keeps the stored disagreement flags true (programmes/flags.py).
        post_save.connect(flags.figure_saved, sender=Figure, dispatch_uid="flags-figure-saved")
        post_delete.connect(flags.figure_deleted, sender=Figure, dispatch_uid="flags-figure-deleted")
        post_save.connect(flags.source_saved, sender=Source, dispatch_uid="flags-source-saved")
        post_save.connect(flags.programme_saved, sender=Programme, dispatch_uid="flags-programme-saved")
        # And the figures' stored CSV lines (programmes/lines.py), connected after the flags: Django calls receivers in
        # the order connected, and a programme's new slug must have re-keyed its figures' quantities before their lines.
        post_save.connect(lines.figure_saved, sender=Figure, dispatch_uid="lines-figure-saved")
        pre_delete.connect(lines.figure_deleting, sender=Figure, dispatch_uid="lines-figure-deleting")
        post_delete.connect(lines.figure_deleted, sender=Figure, dispatch_uid="lines-figure-deleted")
        for model in (Programme, Source, Organisation):
            pre_save.connect(lines.shown_before, sender=model, dispatch_uid=f"lines-{model.__name__}-before")
            post_save.connect(lines.shown_saved, sender=model, dispatch_uid=f"lines-{model.__name__}-saved")
