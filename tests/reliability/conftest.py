"""Shared pieces of the reliability tests, which run the application in other processes over the test database."""

from urllib.parse import quote

import pytest
from django.conf import global_settings
from django.db import connection


def served_database_url() -> str:
    """The URL of the test database, for a server or command in another process: it sees what a test commits."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production_password_hashers(settings):
    """Other processes check passwords with the production hashers, which leave out the tests' fast one."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
