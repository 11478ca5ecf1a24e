"""Each version points at the ledger entry that records its publication."""

import django.db.models.deletion
from django.db import migrations, models


def link_versions(apps, schema_editor):
    version_model = apps.get_model("ingest", "DatasetVersion")
    entry_model = apps.get_model("ledger", "LedgerEntry")
    entries = {
        e.object_id: e.pk
        for e in entry_model.objects.filter(action="version.published").only(
            "sequence", "object_id"
        )
    }
    for version in version_model.objects.select_related("dataset"):
        sequence = entries.get(f"{version.dataset.slug}/{version.number}")
        if sequence is not None:
            # A queryset update: the model's own save() refuses to change a version.
            version_model.objects.filter(pk=version.pk).update(ledger_entry_id=sequence)


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_initial"),
        ("ledger", "0003_chain_constraints"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasetversion",
            name="ledger_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.ledgerentry",
                verbose_name="ledger entry",
            ),
        ),
        migrations.RunPython(link_versions, migrations.RunPython.noop),
    ]
