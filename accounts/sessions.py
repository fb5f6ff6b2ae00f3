"""The admin center's session engine (settings.SESSION_ENGINE): Django's database sessions, read by a statement
compiled once (core.sql.statement_once). Every signed-in request reads its session, and Django builds and compiles
that statement anew each time."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from core.sql import statement_once


def _session_of_key(session_key: list[str]) -> QuerySet:
    return Session.objects.filter(session_key=session_key[0]).values_list("session_data", "expire_date")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The session of this key, unless it has expired (checked here rather than in the statement, whose
        parameters are its key alone); else None, and the key is dropped, as Django's store does."""
        rows = statement_once(Session, "session of key", _session_of_key, session_key=[self.session_key])
        if rows and rows[0][1] > timezone.now():
            session_data, expire_date = rows[0]
            return Session(session_key=self.session_key, session_data=session_data, expire_date=expire_date)
        self._session_key = None
        return None
