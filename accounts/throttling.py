"""Sign-in throttling against password guessing.

After MAX_FAILURES_PER_EMAIL failed sign-ins for one email (or MAX_FAILURES_PER_IP from one address) within WINDOW,
further attempts are refused without checking the password until the oldest of those failures leaves the window.
A successful sign-in clears the email's failures.

Every attempt counts, refused ones too, and it is counted before its password is checked: one attempt at a time
per email and per address (a PostgreSQL advisory lock, held for a short transaction; SQLite's transactions run one
at a time anyway) counts the failures in the window and records itself as one, and only then, outside the lock,
is the slow password hash computed; a right password takes its record back. So no number of parallel attempts
gets more passwords checked than the limit.
"""

import datetime
import ipaddress

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import ngettext

from .models import SignInFailure, UserManager
from .permissions import user_with_roles
from .sessions import user_read_with_session

WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 50


def client_ip(request) -> str | None:
    """The address a request comes from. Behind TRUSTED_PROXY_HOPS proxies (see README, "Deploying") it is the
    address the outermost of them saw, which is that many entries from the right of X-Forwarded-For: each proxy
    appends the address it was called from, and the entries further left are the client's to forge. Without
    trusted proxies, or when the header is shorter, it is the address of the TCP connection."""
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    address = forwarded[-hops] if hops and len(forwarded) >= hops else request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return None if getattr(ip, "scope_id", None) else str(ip)  # PostgreSQL's inet takes no IPv6 zone (%eth0)


def retry_after(email: str, ip_address: str | None) -> int | None:
    """Seconds until `email` from `ip_address` may try again, or None when it may try now."""
    email = UserManager.normalize_email(email)
    since = timezone.now() - WINDOW
    waits = []
    for field, value, limit in (
        ("email", email, MAX_FAILURES_PER_EMAIL),
        ("ip_address", ip_address, MAX_FAILURES_PER_IP),
    ):
        if value is None:
            continue
        recent = SignInFailure.objects.filter(**{field: value}, occurred_at__gte=since).order_by("-occurred_at")
        oldest_counted = recent.values_list("occurred_at", flat=True)[limit - 1 : limit].first()
        if oldest_counted is not None:
            waits.append((oldest_counted + WINDOW - timezone.now()).total_seconds())
    return max(1, int(max(waits)) + 1) if waits else None


def record_attempt(email: str, ip_address: str | None) -> tuple[SignInFailure, int | None]:
    """Record a sign-in attempt as a failure, and say how long the attempt must wait (None: it may go ahead)."""
    SignInFailure.objects.filter(occurred_at__lt=timezone.now() - WINDOW).delete()  # keep the table small
    with transaction.atomic():
        for key in (email, ip_address):
            if key is not None and connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # always email first: two attempts cannot deadlock
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sign-in {key}"])
        seconds = retry_after(email, ip_address)
        return SignInFailure.objects.create(email=email, ip_address=ip_address), seconds


class SignInThrottled(PermissionDenied):
    def __init__(self, seconds: int) -> None:
        minutes = max(1, round(seconds / 60))
        message = ngettext(
            "Too many failed sign-ins. Try again in %(minutes)d minute.",
            "Too many failed sign-ins. Try again in %(minutes)d minutes.",
            minutes,
        )
        super().__init__(message % {"minutes": minutes})
        self.seconds = seconds


class ThrottledModelBackend(ModelBackend):
    """Django's email/password backend, refusing attempts while the email or the address is throttled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = UserManager.normalize_email(username or kwargs.get("email"))
        ip_address = client_ip(request)
        attempt, seconds = record_attempt(email, ip_address)
        if seconds is not None:
            raise SignInThrottled(seconds)  # authenticate() stops here: no other backend, no password check
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is not None:
            attempt.delete()
        return user

    def get_user(self, user_id):
        """The signed-in user of a session: as the session brought them (accounts.sessions), else read with their
        roles in one query (permissions.user_with_roles)."""
        user = user_read_with_session(user_id) or user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs) -> None:
    SignInFailure.objects.filter(email=user.email).delete()
