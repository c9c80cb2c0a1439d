"""Indexes for the downloads: each filter on a column of the figure finds its rows in id order, the order of the export."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0007_stored_judgements"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["programme", "id"], name="figure_programme_in_order"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["measure", "id"], name="figure_measure_in_order"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["status", "id"], name="figure_status_in_order"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["basis", "id"], name="figure_basis_in_order"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["unit", "id"], name="figure_unit_in_order"),
        ),
    ]
