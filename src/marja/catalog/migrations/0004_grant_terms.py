"""Grants gain precise expiry, column and row limits, who gave them, and revocation."""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def expiry_moments(apps, schema_editor):
    """A grant valid through a day ends at the first moment after it (local time); one
    with no expiry date keeps working for a year, then must be given again."""
    grant_model = apps.get_model("catalog", "DatasetGrant")
    for grant in grant_model.objects.all():
        if grant.expires_on is not None:
            following = dt.datetime.combine(grant.expires_on + dt.timedelta(days=1), dt.time.min)
            moment = timezone.make_aware(following)
        else:
            moment = timezone.now() + dt.timedelta(days=365)
        grant_model.objects.filter(pk=grant.pk).update(expires_at=moment)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token"),
        ("catalog", "0003_dataset_dataset_newest_first"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="datasetgrant",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "access grant",
                "verbose_name_plural": "access grants",
            },
        ),
        migrations.RemoveConstraint(model_name="datasetgrant", name="one_grant_per_pair"),
        migrations.AddField(
            model_name="datasetgrant",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="columns",
            field=models.JSONField(blank=True, default=list, verbose_name="columns shared"),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="row_column",
            field=models.CharField(blank=True, max_length=63, verbose_name="rows limited by"),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="row_values",
            field=models.JSONField(blank=True, default=list, verbose_name="rows shared"),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="granted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="granted by",
            ),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
        ),
        migrations.AddField(
            model_name="datasetgrant",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revoked by",
            ),
        ),
        migrations.RunPython(expiry_moments, migrations.RunPython.noop),
    ]
