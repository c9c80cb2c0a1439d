from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes and their figures"

    def ready(self) -> None:
        from programmes import flags
        from programmes.models import Figure, Programme, Source

        # Every write keeps the stored disagreement flags true (programmes/flags.py).
        post_save.connect(flags.figure_saved, sender=Figure, dispatch_uid="flags-figure-saved")
        post_delete.connect(flags.figure_deleted, sender=Figure, dispatch_uid="flags-figure-deleted")
        post_save.connect(flags.source_saved, sender=Source, dispatch_uid="flags-source-saved")
        post_save.connect(flags.programme_saved, sender=Programme, dispatch_uid="flags-programme-saved")
