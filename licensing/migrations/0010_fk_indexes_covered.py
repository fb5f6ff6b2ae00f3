"""The foreign keys whose lookups a composite index already serves lose their own index (docs/architecture.md,
"Indexes"): fewer indexes to write with every assignment, place in a line, group license, snapshot and notice."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_list_order_index_declared"),
        ("licensing", "0009_usage_alerts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="alertnotice",
            name="alert",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notices",
                to="licensing.poolalert",
            ),
        ),
        migrations.AlterField(
            model_name="alertnotice",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alert_notices",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="alertpreference",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alert_preferences",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="grouplicense",
            name="group",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="licenses",
                to="accounts.group",
            ),
        ),
        migrations.AlterField(
            model_name="grouplicense",
            name="pool",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="group_licenses",
                to="licensing.licensepool",
            ),
        ),
        migrations.AlterField(
            model_name="licenseassignment",
            name="pool",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="licensing.licensepool",
            ),
        ),
        migrations.AlterField(
            model_name="licenseassignment",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="license_assignments",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="licensepool",
            name="subscription",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pools",
                to="licensing.subscription",
            ),
        ),
        migrations.AlterField(
            model_name="pendinglicense",
            name="pool",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="line",
                to="licensing.licensepool",
            ),
        ),
        migrations.AlterField(
            model_name="pendinglicense",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pending_licenses",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="poolsnapshot",
            name="pool",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="snapshots",
                to="licensing.licensepool",
            ),
        ),
    ]
