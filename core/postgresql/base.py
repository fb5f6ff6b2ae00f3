"""Django's PostgreSQL backend, reading `timestamptz` values with psycopg's own loader, compiled in C.

Django 5.2 puts its own `timestamptz` loader on every connection: a subclass of psycopg's pure-Python loader, which
parses each value with a regular expression (Django ticket #36960; psycopg's compiled loader cannot be subclassed).
A page of the API's users reads some 400 such values, an export of every user 200,000. With `USE_TZ` and no
database `TIME_ZONE`, Django sets the session's time zone to UTC, so psycopg's loader returns what Django's does:
an aware datetime in `datetime.timezone.utc`. Any other time zone setting keeps Django's loader.
"""

import datetime
from functools import lru_cache

import psycopg
from django.db.backends.postgresql import base
from psycopg.adapt import AdaptersMap, Loader
from psycopg.postgres import types
from psycopg.pq import Format

# The class psycopg itself registers: compiled when psycopg's C extension (psycopg[binary]) is installed.
PSYCOPG_LOADER = psycopg.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's loader, behind the attribute Django reads (its create_cursor compares `timezone` with the
    connection's and, when they differ, registers its own loader again on every cursor)."""

    timezone = datetime.timezone.utc

    def __init__(self, oid: int, context=None) -> None:
        super().__init__(oid, context)
        self._load = PSYCOPG_LOADER(oid, context).load

    def load(self, data) -> datetime.datetime:
        return self._load(data)


@lru_cache
def _with_utc_loader(adapters: AdaptersMap) -> AdaptersMap:
    """Django's adapters (one map per time zone, cached) with the loader above: one map, shared by every
    connection, as Django's is."""
    ours = AdaptersMap(adapters)
    ours.register_loader("timestamptz", UtcTimestamptzLoader)
    return ours


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        # Django's time zone is this object only with USE_TZ and no database TIME_ZONE, when it sets the session's
        # to UTC too.
        if self.timezone is datetime.timezone.utc:
            params["context"] = _with_utc_loader(params["context"])
        return params
