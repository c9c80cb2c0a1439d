"""Publishers become organisations, which also make claims; every figure gets a claimant and a horizon.

The data steps keep what is stored: each distinct publisher name becomes an organisation, each figure's
claimant starts as its source's publisher (the dataset then names the real claimant), and each figure's
horizon is read from its status (the dataset then corrects a claimed or audited figure that looked ahead).
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("government", "Central government (Cabinet Office, HM Treasury)"),
    ("department", "Department, agency or programme"),
    ("minister", "Minister"),
    ("audit_body", "Audit body (National Audit Office)"),
    ("committee", "Parliamentary committee"),
    ("supplier", "Supplier"),
    ("publication", "Publication (press, analyst, aggregator)"),
    ("other", "Other"),
]


def guess_kind(name):
    folded = name.casefold()
    if "national audit office" in folded:
        return "audit_body"
    if "committee" in folded:
        return "committee"
    if "cabinet office" in folded or "treasury" in folded:
        return "government"
    return "publication"


def fill(apps, schema_editor):
    Organisation = apps.get_model("programmes", "Organisation")
    Source = apps.get_model("programmes", "Source")
    HistoricalSource = apps.get_model("programmes", "HistoricalSource")
    Figure = apps.get_model("programmes", "Figure")
    HistoricalFigure = apps.get_model("programmes", "HistoricalFigure")
    names = set(Source.objects.values_list("publisher_name", flat=True)) | set(HistoricalSource.objects.values_list("publisher_name", flat=True))
    organisations = {name: Organisation.objects.create(name=name, kind=guess_kind(name)) for name in sorted(names)}
    for name, organisation in organisations.items():
        Source.objects.filter(publisher_name=name).update(publisher=organisation)
        HistoricalSource.objects.filter(publisher_name=name).update(publisher=organisation)
    sources = {source.pk: source for source in Source.objects.all()}
    for figure in Figure.objects.all():
        figure.claimant_id = sources[figure.source_id].publisher_id
        figure.horizon = horizon(figure.status)
        figure.save(update_fields=["claimant", "horizon"])
    for record in HistoricalFigure.objects.all():
        source = sources.get(record.source_id)
        record.claimant_id = source.publisher_id if source else None
        record.horizon = horizon(record.status)
        record.save(update_fields=["claimant", "horizon"])


def horizon(status):
    if status in ("target", "forecast"):
        return "projection"
    # A claimed or audited figure stays an outturn here even when its period looks ahead: 0006 forbids a
    # projection that is claimed or audited, and only the dataset can say which of the two was wrong
    # (load_dataset corrects status and horizon together).
    return "outturn"


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0004_cost_overrun_measure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Organisation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="As readers know it, e.g. National Audit Office, Cabinet Office.", max_length=200, unique=True)),
                ("kind", models.CharField(choices=KINDS, help_text="Audit bodies and committees are the only ones whose own findings count as audited.", max_length=16)),
                ("note", models.TextField(blank=True, help_text="Optional: former names, or what the organisation is.")),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="HistoricalOrganisation",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("name", models.CharField(db_index=True, help_text="As readers know it, e.g. National Audit Office, Cabinet Office.", max_length=200)),
                ("kind", models.CharField(choices=KINDS, help_text="Audit bodies and committees are the only ones whose own findings count as audited.", max_length=16)),
                ("note", models.TextField(blank=True, help_text="Optional: former names, or what the organisation is.")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                ("history_type", models.CharField(choices=[("+", "Created"), ("-", "Deleted"), ("~", "Changed")], max_length=1)),
                (
                    "history_user",
                    models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL),
                ),
            ],
            options={
                "verbose_name": "historical organisation",
                "verbose_name_plural": "historical organisations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RenameField("source", "publisher", "publisher_name"),
        migrations.RenameField("historicalsource", "publisher", "publisher_name"),
        migrations.AddField(
            "source",
            "publisher",
            models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="sources", to="programmes.organisation"),
        ),
        migrations.AddField(
            "historicalsource",
            "publisher",
            models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="programmes.organisation"
            ),
        ),
        migrations.AddField(
            "figure",
            "claimant",
            models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="claims", to="programmes.organisation"),
        ),
        migrations.AddField(
            "historicalfigure",
            "claimant",
            models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="programmes.organisation"
            ),
        ),
        migrations.AddField("figure", "horizon", models.CharField(default="outturn", max_length=12)),
        migrations.AddField("historicalfigure", "horizon", models.CharField(default="outturn", max_length=12)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveField("source", "publisher_name"),
        migrations.RemoveField("historicalsource", "publisher_name"),
    ]
