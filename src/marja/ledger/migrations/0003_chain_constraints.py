"""The old JSON payload column goes (its text is kept, hashed, in payload_json); entry
numbers are given by the ledger, no longer by the database; hashes are unique."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_chain")]

    operations = [
        migrations.RemoveField(model_name="ledgerentry", name="payload"),
        migrations.AlterField(
            model_name="ledgerentry",
            name="recorded_at",
            field=models.DateTimeField(verbose_name="recorded"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="sequence",
            field=models.BigIntegerField(
                primary_key=True, serialize=False, verbose_name="sequence"
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="entry_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="entry hash"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["action", "sequence"], name="ledger_ledg_action_a77c11_idx"),
        ),
    ]
