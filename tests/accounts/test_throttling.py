"""Sign-in throttling: five failures for one email within the window stop further attempts, even right ones."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from accounts import throttling
from accounts.models import SignInFailure
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def request_from(ip: str):
    return RequestFactory().post("/accounts/sign-in/", REMOTE_ADDR=ip)


def fail(email: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert authenticate(request_from(ip), username=email, password="wrong") is None


def test_right_password_is_refused_after_five_failures():
    user = UserFactory()
    fail(user.email, throttling.MAX_FAILURES_PER_EMAIL - 1)
    assert authenticate(request_from("10.0.0.1"), username=user.email, password=PASSWORD) == user  # 4 is fine

    fail(user.email, throttling.MAX_FAILURES_PER_EMAIL)
    assert authenticate(request_from("10.0.0.1"), username=user.email, password=PASSWORD) is None
    assert authenticate(request_from("10.9.9.9"), username=user.email.upper(), password=PASSWORD) is None
    assert throttling.retry_after(user.email, None) > 0


def test_success_clears_the_failures():
    user = UserFactory()
    fail(user.email, 3)
    assert authenticate(request_from("10.0.0.1"), username=user.email, password=PASSWORD) == user
    # authenticate() alone does not sign in; the sign-in page does, and that clears the count.
    throttling._clear_failures(sender=None, request=None, user=user)
    assert not SignInFailure.objects.filter(email=user.email).exists()


def test_failures_age_out_of_the_window():
    user = UserFactory()
    fail(user.email, throttling.MAX_FAILURES_PER_EMAIL)
    SignInFailure.objects.update(occurred_at=timezone.now() - throttling.WINDOW - datetime.timedelta(seconds=1))
    assert authenticate(request_from("10.0.0.1"), username=user.email, password=PASSWORD) == user


def test_one_address_guessing_many_emails_is_throttled(settings):
    victim = UserFactory()
    for index in range(throttling.MAX_FAILURES_PER_IP):
        fail(f"nobody{index}@example.test", 1, ip="10.6.6.6")
    assert authenticate(request_from("10.6.6.6"), username=victim.email, password=PASSWORD) is None
    assert authenticate(request_from("10.7.7.7"), username=victim.email, password=PASSWORD) == victim


def test_sign_in_page_refuses_and_says_so(client):
    user = UserFactory()
    for _ in range(throttling.MAX_FAILURES_PER_EMAIL):
        client.post("/accounts/sign-in/", {"username": user.email, "password": "wrong"})
    response = client.post("/accounts/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into the admin center
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-ins" in response.content.decode()
