"""Every grant has an expiry moment; at most one open grant per dataset and organisation."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_grant_terms")]

    operations = [
        migrations.RemoveField(model_name="datasetgrant", name="expires_on"),
        migrations.AlterField(
            model_name="datasetgrant",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AddConstraint(
            model_name="datasetgrant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_at__isnull", True)),
                fields=("dataset", "organisation"),
                name="one_open_grant_per_pair",
            ),
        ),
    ]
