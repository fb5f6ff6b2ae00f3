from collections import Counter

from django.db import migrations, models

import accounts.emails


def normalise_stored_emails(apps, schema_editor):
    """Bring stored emails to the normal form of accounts.emails (domains in their IDNA ASCII form, local parts
    case-folded). Accounts that turn out to share an address stop the migration, named, for someone to merge."""
    User = apps.get_model("accounts", "User")
    renamed = {}
    for pk, email in User.objects.values_list("pk", "email").iterator():
        normal = accounts.emails.normalize_email(email)
        if normal != email:
            renamed[pk] = normal
    if not renamed:
        return
    twice = [email for email, count in Counter(renamed.values()).items() if count > 1]
    taken = list(User.objects.filter(email__in=set(renamed.values())).values_list("email", flat=True))
    if twice or taken:
        raise RuntimeError(f"Several accounts have the same email address once normalised: {sorted({*twice, *taken})}")
    for pk, email in renamed.items():
        User.objects.filter(pk=pk).update(email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_session_epoch"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(
                max_length=254,
                unique=True,
                validators=[accounts.emails.validate_email_domain],
                verbose_name="email",
            ),
        ),
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop),
    ]
