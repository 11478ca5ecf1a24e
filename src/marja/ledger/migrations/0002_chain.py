"""The hash chain: new columns, the head, checkpoints, verifications; existing entries
chained in their order (renumbered without gaps), then signed by a first checkpoint."""

import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from marja.core.ledger import GENESIS, Checkpoint, canonical_json, head_text, moment, new_entry
from marja.core.signing import load_or_create, seal


def chain_existing_entries(apps, schema_editor):
    entry_model = apps.get_model("ledger", "LedgerEntry")
    head_model = apps.get_model("ledger", "LedgerHead")
    signed_model = apps.get_model("ledger", "LedgerCheckpoint")
    key = load_or_create(Path(settings.DATA_DIR) / "ledger" / "ed25519.pem")
    seal_key = key.seal_key()
    old = list(entry_model.objects.order_by("sequence"))
    entry_model.objects.all().delete()
    previous = GENESIS
    rows = []
    for number, entry in enumerate(old, start=1):
        details = canonical_json(entry.payload or {}).decode("utf-8")
        chained = new_entry(
            sequence=number,
            recorded_at=entry.recorded_at,
            actor=entry.actor_id,
            organisation=entry.organisation_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            payload=json.loads(details),
            prev_hash=previous,
            seal_key=seal_key,
        )
        rows.append(
            entry_model(
                sequence=number,
                recorded_at=entry.recorded_at,
                actor_id=entry.actor_id,
                organisation_id=entry.organisation_id,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                payload=entry.payload,
                payload_json=details,
                payload_hash=chained.payload_hash,
                prev_hash=previous,
                entry_hash=chained.entry_hash,
                seal=chained.seal,
            )
        )
        previous = chained.entry_hash
    entry_model.objects.bulk_create(rows, batch_size=1000)
    head = head_model(id=1, sequence=len(rows), entry_hash=previous)
    head.seal = seal(seal_key, head_text(head.sequence, head.entry_hash))
    if rows:
        now = timezone.now()
        draft = Checkpoint(
            instance=settings.INSTANCE_NAME,
            key_id=key.key_id,
            sequence=len(rows),
            head_hash=previous,
            signed_at=moment(now),
        )
        signed_model.objects.create(
            sequence=draft.sequence,
            head_hash=draft.head_hash,
            instance=draft.instance,
            key_id=draft.key_id,
            signed_at=draft.signed_at,
            signature=key.sign(draft.statement()),
            reason="upgrade",
        )
        head.checkpoint_sequence, head.checkpoint_at = len(rows), now
    head.save()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token"),
        ("ledger", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "sequence",
                    models.BigIntegerField(db_index=True, verbose_name="signs entries up to"),
                ),
                ("head_hash", models.CharField(max_length=64, verbose_name="hash of that entry")),
                ("instance", models.CharField(max_length=200, verbose_name="instance")),
                ("key_id", models.CharField(max_length=64, verbose_name="key id")),
                ("signed_at", models.CharField(max_length=32, verbose_name="signed at")),
                ("signature", models.CharField(max_length=120, verbose_name="signature")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("count", "every N entries"),
                            ("hourly", "hourly"),
                            ("publication", "a version was published"),
                            ("requested", "requested"),
                            ("upgrade", "chain started over existing entries"),
                        ],
                        max_length=12,
                        verbose_name="reason",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "verbose_name": "ledger checkpoint",
                "verbose_name_plural": "ledger checkpoints",
                "ordering": ["sequence", "id"],
            },
        ),
        migrations.CreateModel(
            name="LedgerHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("sequence", models.BigIntegerField(default=0)),
                (
                    "entry_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("seal", models.CharField(blank=True, max_length=64)),
                ("checkpoint_sequence", models.BigIntegerField(default=0)),
                ("checkpoint_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name": "ledger head"},
        ),
        migrations.CreateModel(
            name="LedgerVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "queued"),
                            ("running", "running"),
                            ("passed", "passed"),
                            ("failed", "problems found"),
                            ("error", "could not finish"),
                        ],
                        default="queued",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("through", models.CharField(default="cli", max_length=10, verbose_name="through")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="requested")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started")),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="finished"),
                ),
                ("report", models.JSONField(default=dict, verbose_name="report")),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "ledger verification",
                "verbose_name_plural": "ledger verifications",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="payload_json",
            field=models.TextField(default="{}", verbose_name="details"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="payload_hash",
            field=models.CharField(default="", max_length=64, verbose_name="details hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="prev_hash",
            field=models.CharField(default="", max_length=64, verbose_name="previous entry's hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="entry_hash",
            field=models.CharField(default="", max_length=64, verbose_name="entry hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="seal",
            field=models.CharField(default="", max_length=64, verbose_name="seal"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
