from django.db import migrations


class Migration(migrations.Migration):
    """AuditEvent now belongs to the kernel app `core` (core/migrations/0001_initial.py), on the same table."""

    dependencies = [
        ("licensing", "0004_subscription_status"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
