"""Django's `createsuperuser`, audited: the account and its `user_created` event are written in one transaction."""

from django.contrib.auth.management.commands import createsuperuser

from accounts.management.break_glass import audited_user_saves
from accounts.services.users import USER_FIELDS
from core.choices import AuditAction


def _created(user, created: bool) -> tuple[str, dict]:
    fields = (*USER_FIELDS, "is_staff", "is_superuser")
    return AuditAction.USER_CREATED, {name: getattr(user, name) for name in fields}


class Command(createsuperuser.Command):
    help = (
        "Break-glass: create a Django admin site superuser (no admin role; grant one with grant_role). "
        "Writes a user_created audit event."
    )

    def handle(self, *args, **options):
        with audited_user_saves(options["database"], _created):
            return super().handle(*args, **options)
