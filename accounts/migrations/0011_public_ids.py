import uuid

from django.db import migrations, models


def give_public_ids(apps, schema_editor):
    """One new UUID per existing user and group (a callable default gives every existing row the same one)."""
    for model_name in ("User", "Group"):
        model = apps.get_model("accounts", model_name)
        rows = [model(pk=pk, public_id=uuid.uuid4()) for pk in model.objects.values_list("pk", flat=True)]
        model.objects.bulk_update(rows, ["public_id"], batch_size=2000)


def public_id(unique: bool) -> models.UUIDField:
    return models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        unique=unique,
        null=not unique,
        help_text="Stable public id (the Graph endpoint's id).",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_scim_identity"),
    ]

    operations = [
        migrations.AddField(model_name="user", name="public_id", field=public_id(unique=False)),
        migrations.AddField(model_name="group", name="public_id", field=public_id(unique=False)),
        migrations.RunPython(give_public_ids, migrations.RunPython.noop),
        migrations.AlterField(model_name="user", name="public_id", field=public_id(unique=True)),
        migrations.AlterField(model_name="group", name="public_id", field=public_id(unique=True)),
    ]
