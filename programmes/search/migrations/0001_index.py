"""The search index: a table per kind on each database (search/index.py makes them), filled from the rows that exist.

The models are unmanaged (Django keeps them in its state, for PostgreSQL's queries, but never creates them): the
tables differ by database, a tsvector with a GIN index on PostgreSQL and an FTS5 virtual table on SQLite.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def create(apps, schema_editor):
    from programmes.search import index

    index.create_tables(schema_editor.connection)
    index.rebuild(using=schema_editor.connection.alias, apps=apps)


def drop(apps, schema_editor):
    from programmes.search import index

    index.drop_tables(schema_editor.connection)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('programmes', '0007_stored_judgements'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventEntry',
            fields=[
                ('event', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='programmes.event')),
                ('document', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'db_table': 'search_event',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='FigureEntry',
            fields=[
                ('figure', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='programmes.figure')),
                ('document', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'db_table': 'search_figure',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='ProgrammeEntry',
            fields=[
                ('programme', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='programmes.programme')),
                ('document', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'db_table': 'search_programme',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SourceEntry',
            fields=[
                ('source', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='programmes.source')),
                ('document', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'db_table': 'search_source',
                'managed': False,
            },
        ),
        migrations.RunPython(create, drop),
    ]
