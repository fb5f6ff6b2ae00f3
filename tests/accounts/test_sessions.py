"""accounts/sessions.py, the session engine: Django's database sessions, each with its user's id as a column, read
with that user and their roles by a statement compiled once, with the expiry checked in Python. A session is found
by its own key only, and an expired one is no session. Django still decides who is signed in: the user the session
brought only spares the backend its read, when it is the one the session names."""

import datetime

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, UserSession
from accounts.permissions import admin_scope
from accounts.sessions import SessionStore
from tests.factories import UserFactory
from tests.web.conftest import client_for


def test_the_admin_center_reads_its_sessions_through_this_engine():
    assert settings.SESSION_ENGINE == "accounts.sessions"


def test_each_key_reads_its_own_session(db):
    first, second = SessionStore(), SessionStore()
    first["who"], second["who"] = "first", "second"
    first.save()
    second.save()

    assert SessionStore(session_key=first.session_key)["who"] == "first"
    assert SessionStore(session_key=second.session_key)["who"] == "second"


def test_an_expired_session_is_no_session_and_its_key_is_dropped(db):
    store = SessionStore()
    store["who"] = "me"
    store.save()
    UserSession.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None


def test_an_unknown_key_is_no_session(db):
    unknown = SessionStore(session_key="k" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_a_signed_in_admin_stays_signed_in_until_the_session_expires(org):
    client = client_for(org.users["global_admin"])
    assert client.get("/").status_code == 200
    UserSession.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def session_of(client) -> SessionStore:
    return SessionStore(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_signing_in_keeps_the_users_id_on_the_session(org):
    admin = org.users["global_admin"]
    client = client_for(admin)
    assert UserSession.objects.get(pk=session_of(client).session_key).user_id == admin.pk
    assert UserSession.objects.get(pk=_saved_anonymous()).user_id is None


def _saved_anonymous() -> str:
    store = SessionStore()
    store["who"] = "no one"
    store.save()
    return store.session_key


def test_a_session_is_read_with_its_user_and_their_roles_in_one_query(org, django_assert_num_queries):
    admin = org.users["subscription_admin"]
    store = session_of(client_for(admin))
    with django_assert_num_queries(1):
        store.load()
        scope = admin_scope(store.user_read)
    assert store.user_read == admin
    assert scope.can_assign_licenses(org.s.pk) and not scope.is_global_admin


def test_a_signed_in_request_reads_its_session_and_its_user_in_one_statement(org):
    client = client_for(org.users["global_admin"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("licensing:home")).status_code == 200
    sessions, users = (connection.ops.quote_name(model._meta.db_table) for model in (UserSession, User))
    reading = [query["sql"] for query in captured if sessions in query["sql"]]
    assert len(reading) == 1 and users in reading[0]
    assert not any(query["sql"].startswith(f"SELECT {users}.") for query in captured)  # the user not read apart


def test_django_decides_who_is_signed_in_whatever_the_sessions_column_says(org):
    admin, other = org.users["global_admin"], UserFactory()
    client = client_for(admin)
    UserSession.objects.filter(pk=session_of(client).session_key).update(user=other)

    assert client.get(reverse("licensing:home")).context["user"] == admin


def test_the_session_of_a_deleted_user_signs_no_one_in(org):
    user = org.users["user_admin"]
    client = client_for(user)
    user.delete()

    response = client.get(reverse("licensing:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_anonymous_session_brings_no_user(db):
    store = SessionStore(session_key=_saved_anonymous())
    assert store.load() == {"who": "no one"}
    assert store.user_read is None


def test_clearsessions_removes_the_expired_ones(org):
    kept, expired = session_of(client_for(org.users["global_admin"])), session_of(client_for(org.users["user_admin"]))
    UserSession.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    call_command("clearsessions")

    assert list(UserSession.objects.values_list("pk", flat=True)) == [kept.session_key]
