"""Whether each figure is one the rules could pick today (programmes/candidates.py), stored and indexed.

The data step marks them with the same query the pages asked before, a programme at a time, applied to this
migration's models.
"""

from django.db import migrations, models


def fill(apps, schema_editor):
    from programmes.candidates import pick_candidates

    Figure = apps.get_model("programmes", "Figure")
    Programme = apps.get_model("programmes", "Programme")
    for programme in Programme.objects.values_list("pk", flat=True):
        chosen = list(pick_candidates(Figure.objects.filter(programme_id=programme)).values_list("pk", flat=True))
        for start in range(0, len(chosen), 2000):
            Figure.objects.filter(pk__in=chosen[start : start + 2000]).update(pick_candidate=True)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0020_like_for_like_and_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="figure",
            name="pick_candidate",
            field=models.BooleanField(
                db_default=False,
                default=False,
                editable=False,
                help_text="Whether the rules could pick this figure for a card line or a chart's summary today (programmes/candidates.py keeps it).",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(condition=models.Q(("pick_candidate", True)), fields=["programme"], name="figure_pick_candidates"),
        ),
    ]
