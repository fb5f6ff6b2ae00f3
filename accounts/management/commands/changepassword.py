"""Django's `changepassword`, audited: the new password and a `user_updated` event are written in one
transaction (the event says only that the password changed)."""

from django.contrib.auth.management.commands import changepassword

from accounts.management.break_glass import audited_user_saves
from core.choices import AuditAction


def _password_changed(user, created: bool) -> tuple[str, dict]:
    return AuditAction.USER_UPDATED, {"password": "changed"}


class Command(changepassword.Command):
    help = "Break-glass: set a user's password, prompting for it. Writes a user_updated audit event."

    def handle(self, *args, **options):
        with audited_user_saves(options["database"], _password_changed):
            return super().handle(*args, **options)
