"""Sign-in throttling against password guessing.

After MAX_FAILURES_PER_EMAIL failed sign-ins for one email (or MAX_FAILURES_PER_IP from one address) within WINDOW,
further attempts are refused without checking the password until the oldest of those failures leaves the window.
A successful sign-in clears the email's failures.
"""

import datetime

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

from .models import SignInFailure, UserManager

WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 50


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


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


class SignInThrottled(PermissionDenied):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"Too many failed sign-ins. Try again in {max(1, round(seconds / 60))} minute(s).")
        self.seconds = seconds


class ThrottledModelBackend(ModelBackend):
    """Django's email/password backend, refusing attempts while the email or the address is throttled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = UserManager.normalize_email(username or kwargs.get("email"))
        seconds = retry_after(email, client_ip(request))
        if seconds is not None:
            raise SignInThrottled(seconds)  # authenticate() stops here: no other backend, no password check
        return super().authenticate(request, username=email, password=password, **kwargs)


@receiver(user_login_failed)
def _record_failure(sender, credentials, request=None, **kwargs) -> None:
    email = UserManager.normalize_email(credentials.get("username") or credentials.get("email"))
    SignInFailure.objects.filter(occurred_at__lt=timezone.now() - WINDOW).delete()  # keep the table small
    SignInFailure.objects.create(email=email, ip_address=client_ip(request))


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs) -> None:
    SignInFailure.objects.filter(email=user.email).delete()
