"""The admin center's sessions (settings.SESSION_ENGINE and SessionUserMiddleware): Django's database sessions,
each with the id of the user signed in to it (accounts.models.UserSession), read with that user and their roles in
one statement compiled once (core.sql.statement_once). Every signed-in request reads both: Django reads the
session, then the user, in two statements it builds and compiles anew each time.

Django still decides who is signed in (django.contrib.auth.get_user: the backend, the session's hash of the
password, its fallbacks); only the backend's read of the user is served by the one the session brought
(user_read_with_session)."""

from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY
from django.contrib.auth import get_user as django_get_user
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends import db
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from core.rows import SharedRelated, own_columns, rows_built
from core.sql import statement_once

from .models import User, UserSession
from .permissions import with_roles

# The session of the request whose signed-in user Django is reading (SessionUserMiddleware).
_reading: ContextVar["SessionStore | None"] = ContextVar("session being read", default=None)


def _session_of_key(session_key: str) -> UserSession | None:
    """The session of this key, its user (None for no one) and their role rows (`role_rows`, with_roles)."""
    user = SharedRelated(UserSession, ["user"])  # its objects are this read's own

    def statement(session_key: list[str]) -> QuerySet:
        sessions = with_roles(UserSession.objects.filter(session_key=session_key[0]), user_field="user_id")
        return sessions.values_list(*own_columns(UserSession), "role_rows", *user.columns)

    rows = statement_once(UserSession, "session of key", statement, session_key=[session_key])
    sessions = rows_built(UserSession, rows, ["role_rows"], user)
    return sessions[0] if sessions else None


class SessionStore(db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.user_read: User | None = None  # the user signed in to the session, read with it (and their roles)

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict) -> UserSession:
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self) -> UserSession | None:
        """The session of this key with its user, unless it has expired (checked here rather than in the
        statement, whose parameters are its key alone); else None, and the key is dropped, as Django's store
        does."""
        session = _session_of_key(self.session_key)
        if session is not None and session.expire_date > timezone.now():
            if session.user is not None:
                session.user.role_rows = session.role_rows  # admin_scope asks no query of its own
            self.user_read = session.user
            return session
        self._session_key = None
        return None


def _user_id(value) -> int | None:
    """The user id Django keeps in a session (a string), as the session's column stores it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def user_read_with_session(user_id) -> User | None:
    """The user of `user_id` as the session being read brought them (with their roles), if it is them; else None,
    and the backend reads the user itself."""
    session = _reading.get()
    user = session.user_read if session is not None else None
    return user if user is not None and str(user.pk) == str(user_id) else None


class SessionUserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware (settings.MIDDLEWARE), whose `request.user` is Django's get_user of the
    request with the session's user at hand for the backend (user_read_with_session)."""

    def process_request(self, request) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _signed_in_user(request))


def _signed_in_user(request):
    reading = _reading.set(request.session)
    try:
        return django_get_user(request)
    finally:
        _reading.reset(reading)
