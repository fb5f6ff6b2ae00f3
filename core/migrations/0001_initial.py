import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("licensing", "0004_subscription_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The model moved here from licensing with its table (licensing_auditevent): the state moves, no data does.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("occurred_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor_label", models.CharField(max_length=254)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("license_assigned", "License assigned"),
                                    ("license_unassigned", "License unassigned"),
                                    ("pool_created", "Product added to subscription"),
                                    ("quantity_changed", "Quantity changed"),
                                    ("pool_reconciled", "Pool counter reconciled"),
                                    ("subscription_status_changed", "Subscription status changed"),
                                    ("user_created", "User created"),
                                    ("user_updated", "User updated"),
                                    ("role_granted", "Role granted"),
                                    ("role_revoked", "Role revoked"),
                                    ("api_token_created", "API token created"),
                                    ("api_token_revoked", "API token revoked"),
                                ],
                                max_length=32,
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("web", "Web"),
                                    ("api", "API"),
                                    ("cli", "Command line"),
                                    ("system", "System"),
                                    ("admin_site", "Django admin site"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("subject_user_label", models.CharField(blank=True, max_length=254)),
                        ("subscription_label", models.CharField(blank=True, max_length=200)),
                        ("product_label", models.CharField(blank=True, max_length=200)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="licensing.product",
                            ),
                        ),
                        (
                            "subject_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "subscription",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="audit_events",
                                to="licensing.subscription",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "licensing_auditevent",
                        "ordering": ["-occurred_at", "-id"],
                        "indexes": [
                            models.Index(fields=["subscription", "-occurred_at"], name="audit_subscription_time_idx"),
                            models.Index(fields=["subject_user", "-occurred_at"], name="audit_user_time_idx"),
                            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
