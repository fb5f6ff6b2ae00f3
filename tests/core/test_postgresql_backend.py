"""The PostgreSQL backend (core/postgresql/base.py): timestamps read by psycopg's compiled loader, with the values
and time zone Django's own loader gives."""

import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg.postgres import types
from psycopg.pq import Format

from accounts.models import User
from core.postgresql.base import PSYCOPG_LOADER, DatabaseWrapper, UtcTimestamptzLoader

TIMESTAMPTZ = types["timestamptz"].oid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def loader_of(cursor) -> type:
    return cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


def test_a_cursor_reads_timestamps_with_psycopgs_compiled_loader():
    """Django registers its own loader again on a cursor whose loader disagrees with the connection's time zone;
    this one must not, and what it calls is psycopg's C loader (psycopg[binary] is a dependency)."""
    with connection.cursor() as cursor:
        assert loader_of(cursor) is UtcTimestamptzLoader
    assert PSYCOPG_LOADER.__module__.startswith("psycopg_binary"), psycopg.pq.__impl__


def test_timestamps_come_back_as_written_in_utc():
    moment = datetime.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, NULL::timestamptz", [moment])
        read, missing = cursor.fetchone()
    assert read == moment and read.tzinfo is datetime.timezone.utc and missing is None


def test_a_models_timestamps_read_back_equal_what_was_saved():
    before = timezone.now()
    user = User.objects.create(email="reader@example.com", display_name="Reader", last_login=before)
    created_at, last_login = User.objects.values_list("created_at", "last_login").get(pk=user.pk)
    assert (created_at, last_login) == (user.created_at, before)
    assert created_at.tzinfo is last_login.tzinfo is datetime.timezone.utc


def test_another_database_time_zone_keeps_djangos_loader():
    """psycopg's loader answers in the session's time zone; Django's replaces it with its own, so with a database
    TIME_ZONE the connection keeps Django's."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": "Europe/Paris"})
    loader = wrapper.get_connection_params()["context"].get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is not UtcTimestamptzLoader and loader.timezone.key == "Europe/Paris"
