"""Stored judgements: each source's latest possible day, each figure's quantity, and the disagreement flags.

The data step fills them for rows that exist, with the same pure functions the site uses on every write
(models.latest_possible, rules.quantity_key, flags.earliest_disagreeing), applied to this migration's models.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from programmes import flags, rules
    from programmes.models import bounds_of, latest_possible

    Source = apps.get_model("programmes", "Source")
    Figure = apps.get_model("programmes", "Figure")
    Disagreement = apps.get_model("programmes", "Disagreement")
    sources = list(Source.objects.all())
    for source in sources:
        source.appeared_by = latest_possible(source.published, source.date_precision)
    Source.objects.bulk_update(sources, ["appeared_by"], batch_size=2000)
    figures = list(Figure.objects.select_related("programme", "source"))
    groups: dict[str, list] = {}
    for figure in figures:
        figure.quantity = rules.quantity_key(figure)
        bounds = rules.interval_of(bounds_of(figure.value, figure.value_low, figure.value_high), figure.qualifier)
        if bounds is not None:
            low = flags.LOWEST if bounds[0] is None else bounds[0]
            high = flags.HIGHEST if bounds[1] is None else bounds[1]
            appeared = latest_possible(figure.source.published, figure.source.date_precision)
            entry = flags.Entry(figure.pk, appeared, (figure.source_id, figure.claimant_id), low, high, figure.part_of_id)
            groups.setdefault(figure.quantity, []).append(entry)
    rows, counts = [], {}
    for group in groups.values():
        dates = {entry.pk: entry.appeared_by for entry in group}
        for pk, (others, count) in flags.earliest_disagreeing(group).items():
            counts[pk] = count
            for rank, other in enumerate(others, start=1):
                rows.append(Disagreement(figure_id=pk, other_id=other.pk, holds_from=max(dates[pk], other.appeared_by), rank=rank))
    for figure in figures:
        figure.disagreement_count = counts.get(figure.pk, 0)
    Figure.objects.bulk_update(figures, ["quantity", "disagreement_count"], batch_size=2000)
    Disagreement.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0006_figure_dimensions"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="appeared_by",
            field=models.DateField(editable=False, null=True, help_text="The latest day the source can have appeared."),
        ),
        migrations.AddField(
            model_name="figure",
            name="quantity",
            field=models.CharField(
                default="", editable=False, max_length=500, help_text="What the figure measures, as rules.quantity_key spells it."
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="figure",
            name="disagreement_count",
            field=models.PositiveIntegerField(
                default=0, db_default=0, editable=False, help_text="How many figures disagree with this one today (programmes/flags.py keeps it)."
            ),
        ),
        migrations.CreateModel(
            name="Disagreement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("holds_from", models.DateField(help_text="The day both figures' sources had appeared: the flag holds from then.")),
                ("rank", models.PositiveSmallIntegerField(help_text="1 for the other figure whose source appeared first.")),
                (
                    "figure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="disagreements", to="programmes.figure"
                    ),
                ),
                ("other", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="programmes.figure")),
            ],
            options={
                "ordering": ["figure", "rank"],
                "constraints": [models.UniqueConstraint(fields=("figure", "rank"), name="programmes_disagreement_one_per_rank")],
                "indexes": [models.Index(fields=["figure", "holds_from"], name="programmes_disagreement_from")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="source",
            name="appeared_by",
            field=models.DateField(db_index=True, editable=False, help_text="The latest day the source can have appeared."),
        ),
        migrations.AlterField(
            model_name="figure",
            name="quantity",
            field=models.CharField(
                db_index=True, editable=False, max_length=500, help_text="What the figure measures, as rules.quantity_key spells it."
            ),
        ),
    ]
