"""Each figure's like-for-like key (rules.like_for_like_key: its quantity but for status), stored and indexed, and an
index of the few figures that revise another.

The data step derives the key from the stored quantity, which rules.quantity_key spells as the same parts with the
status fourth: one UPDATE per quantity, so a database of a million figures is filled in seconds.
"""

from django.db import migrations, models

STATUS_PART = 3


def like_for_like(quantity: str) -> str:
    parts = quantity.split("/")
    return "/".join(parts[:STATUS_PART] + parts[STATUS_PART + 1 :])


def fill(apps, schema_editor):
    Figure = apps.get_model("programmes", "Figure")
    quantities = Figure.objects.order_by().values_list("quantity", flat=True).distinct()
    table = schema_editor.quote_name(Figure._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET like_for_like = %s WHERE quantity = %s", [(like_for_like(q), q) for q in quantities.iterator()]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0019_drafts_for_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="figure",
            name="like_for_like",
            field=models.CharField(
                db_default="",
                default="",
                editable=False,
                help_text="What the figure measures but for its status, as rules.like_for_like_key spells it.",
                max_length=500,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["like_for_like", "status"], name="figure_like_for_like"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(condition=models.Q(("revises__isnull", False)), fields=["revises"], name="figure_revisions"),
        ),
    ]
