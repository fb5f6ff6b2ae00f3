"""Disabling a user revokes them: their API tokens are revoked and their sessions end, in the transaction that
disables them; enabling them again revives neither."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services.imports import users_import
from accounts.services.tokens import api_token_create, api_token_revoke
from accounts.services.users import user_create, user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied
from core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    """A browser that signed in through the sign-in page."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def set_active(actor: User, user: User, active: bool, **fields) -> None:
    user_update(user=user, is_active=active, **fields, by=Actor(actor, Source.API))


def test_disabling_revokes_every_api_token_and_audits_each(global_admin, user_admin):
    api_token_create(user=user_admin, name="first", by=Actor(None, Source.SYSTEM))
    api_token_create(user=user_admin, name="second", by=Actor(None, Source.SYSTEM))
    already_revoked, _ = api_token_create(user=user_admin, name="old", by=Actor(None, Source.SYSTEM))
    api_token_revoke(token=already_revoked, by=Actor(None, Source.SYSTEM))
    others, _ = api_token_create(user=global_admin, name="not theirs", by=Actor(None, Source.SYSTEM))
    before = AuditEvent.objects.count()

    set_active(global_admin, user_admin, False)

    revoked = set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("name", flat=True))
    assert revoked == {"first", "second", "old"}
    already_revoked_at = ApiToken.objects.get(pk=already_revoked.pk).revoked_at
    assert already_revoked_at == already_revoked.revoked_at
    events = AuditEvent.objects.order_by("id")[before:]
    assert sorted((event.action, event.details.get("name"), event.actor, event.subject_user) for event in events) == [
        (AuditAction.API_TOKEN_REVOKED, "first", global_admin, user_admin),
        (AuditAction.API_TOKEN_REVOKED, "second", global_admin, user_admin),
        (AuditAction.USER_UPDATED, None, global_admin, user_admin),
    ]
    assert ApiToken.objects.get(pk=others.pk).revoked_at is None


def test_a_disabled_users_token_stays_refused_after_enabling_them_again(global_admin, user_admin):
    _, key = api_token_create(user=user_admin, name="script", by=Actor(None, Source.SYSTEM))
    client = bearer(key)
    assert client.get("/api/v1/subscriptions/").status_code == 200

    set_active(global_admin, user_admin, False)
    assert client.get("/api/v1/subscriptions/").status_code == 401

    set_active(global_admin, user_admin, True)
    assert client.get("/api/v1/subscriptions/").status_code == 401


def test_a_disabled_users_session_stays_signed_out_after_enabling_them_again(global_admin, user_admin):
    browser = signed_in(user_admin)
    home = reverse("licensing:home")
    assert browser.get(home).status_code == 200

    set_active(global_admin, user_admin, False)
    assert browser.get(home)["Location"].startswith(reverse("accounts:login"))

    set_active(global_admin, user_admin, True)
    response = browser.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert signed_in(user_admin).get(home).status_code == 200  # a fresh sign-in works again


def test_other_changes_keep_sessions_and_tokens(global_admin, user_admin):
    browser = signed_in(user_admin)
    _, key = api_token_create(user=user_admin, name="script", by=Actor(None, Source.SYSTEM))

    set_active(global_admin, user_admin, True, job_title="Renamed")

    assert browser.get(reverse("licensing:home")).status_code == 200
    assert bearer(key).get("/api/v1/subscriptions/").status_code == 200


def test_disabling_through_an_import_revokes_too(global_admin):
    leaver = UserFactory()
    _, key = api_token_create(user=leaver, name="script", by=Actor(None, Source.SYSTEM))
    browser = Client()
    browser.force_login(leaver)
    session_key = browser.session.session_key

    users_import(rows=[{"email": leaver.email, "is_active": False}], by=Actor(global_admin, Source.CLI))
    users_import(rows=[{"email": leaver.email, "is_active": True}], by=Actor(global_admin, Source.CLI))

    assert ApiToken.objects.get(user=leaver).revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED, subject_user=leaver).count() == 1
    assert bearer(key).get("/api/v1/subscriptions/").status_code == 401
    browser.get(reverse("licensing:home"))
    assert "_auth_user_id" not in browser.session
    assert browser.session.session_key != session_key


def test_a_refused_disable_revokes_nothing(global_admin):
    browser = signed_in(global_admin)
    _, key = api_token_create(user=global_admin, name="script", by=Actor(None, Source.SYSTEM))

    with pytest.raises(PermissionDenied):
        set_active(global_admin, global_admin, False)  # the last active Global Administrator

    assert ApiToken.objects.get().revoked_at is None
    assert browser.get(reverse("licensing:home")).status_code == 200
    assert bearer(key).get("/api/v1/subscriptions/").status_code == 200


def disabled_at(user: User):
    return User.objects.values_list("disabled_at", flat=True).get(pk=user.pk)


@pytest.mark.parametrize("path", ["edit", "import"])
def test_every_disable_notes_when_and_enabling_forgets_it_with_the_reclaim(global_admin, path):
    user = UserFactory()
    by = Actor(global_admin, Source.CLI)

    def set_to(active: bool) -> None:
        if path == "edit":
            user_update(by=by, user=user, is_active=active)
        else:
            users_import(by=by, rows=[{"email": user.email, "is_active": active}])

    set_to(False)
    when = disabled_at(user)
    assert when is not None
    set_to(False)  # unchanged: the grace period does not start again
    user_update(by=by, user=user, department="Legal")
    assert disabled_at(user) == when
    User.objects.filter(pk=user.pk).update(licenses_reclaimed_at=when)
    set_to(True)
    assert User.objects.values_list("disabled_at", "licenses_reclaimed_at").get(pk=user.pk) == (None, None)


def test_accounts_created_disabled_start_their_grace_period(global_admin):
    by = Actor(global_admin, Source.CLI)
    created = user_create(by=by, email="gone@contoso.test", is_active=False)
    users_import(by=by, rows=[{"email": "also.gone@contoso.test", "is_active": False}, {"email": "here@contoso.test"}])
    assert disabled_at(created) is not None
    assert disabled_at(User.objects.get(email="also.gone@contoso.test")) is not None
    assert disabled_at(User.objects.get(email="here@contoso.test")) is None


def test_the_admin_site_cannot_toggle_an_account(admin_client):
    """The Django admin site shows users read-only, so it cannot disable one behind the services' back."""
    user = UserFactory()
    page = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), {"is_active": ""})
    assert page.status_code == 403
    assert User.objects.get(pk=user.pk).is_active
