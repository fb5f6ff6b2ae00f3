"""The audit log is append-only: not through the Django admin site, and on PostgreSQL not even in raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from licensing.services.assignments import user_licenses_change
from tests.factories import UserFactory


@pytest.fixture
def event(pool):
    holder = UserFactory()
    user_licenses_change(user=holder, subscription=pool.subscription, add=[pool.product], by=Actor(None, Source.CLI))
    return AuditEvent.objects.get(subject_user=holder)


def test_admin_site_offers_no_change_or_delete(client, event):
    superuser = User.objects.create_superuser("root@example.test", "pw-for-the-test-only")
    client.force_login(superuser)
    change_url = f"/django-admin/core/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # viewable
    assert client.post(change_url, {"action": "role_granted"}).status_code == 403
    assert client.post(f"/django-admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/django-admin/core/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.action == "license_assigned"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM licensing_auditevent WHERE id = %s",
        "UPDATE licensing_auditevent SET action = 'role_granted' WHERE id = %s",
        """UPDATE licensing_auditevent SET details = '{"forged": true}' WHERE id = %s""",
        "UPDATE licensing_auditevent SET actor_label = 'someone else' WHERE id = %s",
    ],
)
def test_postgresql_trigger_refuses_changes(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="license_assigned").exists()


@pytest.mark.postgres
def test_postgresql_trigger_lets_a_deleted_subject_keep_its_snapshot(event):
    """Deleting a product empties the event's link (Django's SET_NULL) and keeps the text snapshot."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE licensing_auditevent SET product_id = NULL WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.product_id is None
    assert event.product_label
