"""accounts/sessions.py, the session engine: Django's database sessions read by a statement compiled once, with the
expiry checked in Python. A session is found by its own key only, and an expired one is no session."""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import SessionStore
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
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

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
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
