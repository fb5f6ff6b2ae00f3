"""What Django's own account commands (`createsuperuser`, `changepassword`) need here to be audited: they run
in one transaction with the audit events of the accounts they save, written with source `cli` and the operator's
operating-system user as actor, like every operator command without `--as`."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from accounts.models import User
from core.audit import Actor, audit_record_one
from core.choices import Source
from core.commands import operator_name


@contextmanager
def audited_user_saves(database: str, event_of: Callable[[User, bool], tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """Run the block in one transaction and record an audit event for each user it saves; `event_of(user, created)`
    names the event's action and details. Django's command prompts run inside it too: on SQLite, other writers wait
    until the operator has answered."""
    saved: list[tuple[User, bool]] = []

    def remember(sender, instance: User, created: bool, **kwargs: Any) -> None:
        saved.append((instance, created))

    operator = Actor(None, Source.CLI, label=operator_name())
    with transaction.atomic(using=database):
        post_save.connect(remember, sender=User, weak=False)
        try:
            yield
        finally:
            post_save.disconnect(remember, sender=User)
        for user, created in saved:
            action, details = event_of(user, created)
            audit_record_one(action, actor=operator, subject_user=user, details=details)
