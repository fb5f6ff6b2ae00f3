"""API tokens: created for oneself, shown once, stored hashed, revoked for good; and what disabling a user ends."""

import datetime
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.audit import Actor, audit_event_new, audit_record
from core.choices import AuditAction
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import AuditEvent
from core.rows import SharedRelated, own_columns, rows_built
from core.sql import statement_once

from ..models import ApiToken, User
from ..permissions import with_roles
from .locks import tokens_locked

BATCH_SIZE = 2000  # tokens per IN list when many users are disabled at once

API_TOKEN_PREFIX = "osat_"
# A token's last use is recorded at most this often, so that authenticating does not write on every request.
API_TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *,
    by: Actor,
    user: User,
    name: str,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token of `user`, returned with its secret: the secret is shown once and only its hash is kept.

    Admins create tokens for themselves; an operator (`by.user` None) for anyone.
    """
    if by.user is not None and by.user.pk != user.pk:
        raise PermissionDenied("API tokens can only be created for yourself.")
    name = name.strip()
    if not name:
        raise ValidationFailed("An API token needs a name.", fields={"name": ["This field may not be blank."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("The expiry must lie in the future.", fields={"expires_at": ["Must be in the future."]})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:12], expires_at=expires_at
    )
    audit_record([token_event(AuditAction.API_TOKEN_CREATED, token, by=by)])
    return token, key


@transaction.atomic
def api_token_revoke(*, by: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good; revoking a revoked token changes nothing. Other people's tokens are not found."""
    if by.user is not None and by.user.pk != token.user_id:
        raise NotFound("API token not found.")
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record([token_event(AuditAction.API_TOKEN_REVOKED, token, by=by)])
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_event(action: str, token: ApiToken, *, by: Actor) -> AuditEvent:
    return audit_event_new(
        actor=by,
        action=action,
        subject_user=token.user,
        details={"name": token.name, "prefix": token.prefix},
    )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The usable token with this secret (its user loaded), or None; records when it was last used."""
    token = _token_of_hash(ApiToken.hash_key(key))
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    token.user.role_rows = token.role_rows  # read with the token: admin_scope asks no query of its own
    return token


def _token_of_hash(key_hash: str) -> ApiToken | None:
    """The token with this hash, its user, and the user's role rows (`role_rows`, with_roles), in one statement
    compiled once (core.sql.statement_once): every request of a script reads it."""
    own, user = own_columns(ApiToken), SharedRelated(ApiToken, ["user"])

    def statement(key_hash: list[str]) -> QuerySet:
        tokens = with_roles(ApiToken.objects.filter(key_hash=key_hash[0]), user_field="user_id")
        return tokens.values_list(*own, "role_rows", *user.columns)[:1]

    rows = statement_once(ApiToken, "token of hash", statement, key_hash=[key_hash])
    tokens = rows_built(ApiToken, rows, ["role_rows"], user)
    return tokens[0] if tokens else None


def access_ended(users: Sequence[User], *, by: Actor) -> list[AuditEvent]:
    """Take away the access of users being disabled, in the caller's transaction: each gets a new session epoch
    (none of their sessions verifies any more, see User.get_session_auth_hash; the caller saves the users) and
    their API tokens are revoked. Returns the tokens' audit events, for the caller to record with its own."""
    by_id = {user.pk: user for user in users}
    revoked: list[ApiToken] = []
    now = timezone.now()
    for user in users:
        user.session_epoch += 1
    user_ids = sorted(by_id)
    for start in range(0, len(user_ids), BATCH_SIZE):
        usable = ApiToken.objects.filter(user_id__in=user_ids[start : start + BATCH_SIZE], revoked_at=None)
        revoked += tokens_locked(usable)  # not revoked a second time meanwhile
        usable.update(revoked_at=now)
    for token in revoked:
        token.user = by_id[token.user_id]
    return [token_event(AuditAction.API_TOKEN_REVOKED, token, by=by) for token in revoked]
