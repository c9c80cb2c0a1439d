"""Figure lines: each figure's finished line of figures.csv, stored so that the download reads lines instead of
formatting every cell (programmes/lines.py), filled here for the figures already in the record, in one statement."""

import django.db.models.deletion
from django.db import migrations, models

from programmes import lines


def fill(apps, schema_editor):
    lines.write_all(apps.get_model("programmes", "Figure"), apps.get_model("programmes", "FigureLine"))


class Migration(migrations.Migration):

    dependencies = [
        ('programmes', '0022_source_years'),
    ]

    operations = [
        migrations.CreateModel(
            name='FigureLine',
            fields=[
                ('figure', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stored_line', serialize=False, to='programmes.figure')),
                ('csv', models.TextField(help_text="The figure's line of figures.csv today, as programmes.database_cells.CsvLine writes it.")),
            ],
            options={
                'ordering': ['figure'],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
