"""Each source's calendar and financial year of publication, stored: charts and the explorer group figures by them."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from programmes import fiscal

    Source = apps.get_model("programmes", "Source")
    sources = list(Source.objects.only("pk", "published"))
    for source in sources:
        source.published_year = source.published.year
        source.published_financial_year = fiscal.year_of(source.published)
    Source.objects.bulk_update(sources, ["published_year", "published_financial_year"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0021_pick_candidates"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="published_year",
            field=models.IntegerField(default=0, editable=False, help_text="The calendar year of publication."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="source",
            name="published_financial_year",
            field=models.IntegerField(
                default=0, editable=False, help_text="The financial year of publication, by the year it starts (2023 for 2023-24)."
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
