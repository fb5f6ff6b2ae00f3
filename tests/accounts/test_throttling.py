"""Sign-in throttling: five failures for one email within the window stop further attempts, even right ones."""

import datetime
import threading
import time

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from accounts import throttling
from accounts.models import SignInFailure, User
from tests.concurrency import codes, run_at_once, unexpected
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


@pytest.fixture
def password_checks(monkeypatch):
    """Counts the password checks, each made as slow as a real hash so that parallel attempts overlap."""
    checked: list[str] = []
    lock = threading.Lock()
    original = User.check_password

    def slow_check(user, raw_password):
        with lock:
            checked.append(raw_password)
        time.sleep(0.2)
        return original(user, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check)
    return checked


def answers(outcomes: list) -> list:
    """What each authenticate() returned; none may have raised."""
    assert codes(outcomes) == {"ok": len(outcomes)}, unexpected(outcomes)
    return [answer for _, answer in outcomes]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_check_no_more_passwords_than_the_limit(password_checks):
    user = UserFactory()
    guesses = [f"guess-{index}" for index in range(8)]
    results = answers(
        run_at_once(
            [
                lambda guess=guess: authenticate(request_from("10.0.0.1"), username=user.email, password=guess)
                for guess in guesses
            ]
        )
    )
    assert results == [None] * 8
    assert len(password_checks) == throttling.MAX_FAILURES_PER_EMAIL  # the first five; the others wait their turn
    assert SignInFailure.objects.filter(email=user.email).count() == len(guesses)  # refused ones count too
    assert authenticate(request_from("10.0.0.1"), username=user.email, password=PASSWORD) is None
    assert len(password_checks) == throttling.MAX_FAILURES_PER_EMAIL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_right_password_among_parallel_guesses_gets_in_only_within_the_limit(password_checks):
    user = UserFactory()
    fail(user.email, throttling.MAX_FAILURES_PER_EMAIL - 1)
    passwords = ["wrong-1", "wrong-2", PASSWORD, "wrong-3"]
    results = answers(
        run_at_once(
            [
                lambda password=password: authenticate(request_from("10.0.0.2"), username=user.email, password=password)
                for password in passwords
            ]
        )
    )
    assert len(password_checks) == throttling.MAX_FAILURES_PER_EMAIL  # the 4 before, and one of the 4 at once
    assert (user in results) == (PASSWORD in password_checks)


def test_behind_a_load_balancer_each_admin_is_counted_by_their_own_address(settings):
    """All requests come from the load balancer's address; the client's is the last X-Forwarded-For entry."""
    settings.TRUSTED_PROXY_HOPS = 1
    user = UserFactory()

    def via_balancer(forwarded_for: str):
        return RequestFactory().post("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    for index in range(throttling.MAX_FAILURES_PER_IP):
        assert authenticate(via_balancer(f"1.2.3.4, 203.0.113.{index % 9}"), username="x@example.test") is None
    assert SignInFailure.objects.filter(ip_address="10.1.1.1").count() == 0
    # Another admin behind the same balancer signs in; the guesser's forged left-hand entries change nothing.
    assert authenticate(via_balancer("198.51.100.7"), username=user.email, password=PASSWORD) == user
    assert throttling.client_ip(via_balancer("198.51.100.7, 203.0.113.5")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, "203.0.113.5", "10.1.1.1"),  # no trusted proxy: the header is the client's own claim
        (1, None, "10.1.1.1"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "not-an-address", None),
        (2, "198.51.100.7, 203.0.113.5, 10.2.2.2", "203.0.113.5"),
        (2, "203.0.113.5", "10.1.1.1"),  # shorter than the trusted chain
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "fe80::1%eth0", None),
        (1, "203.0.113.5:4711", None),
    ],
)
def test_client_address(settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.1.1", **headers)
    assert throttling.client_ip(request) == expected
    assert authenticate(request, username="x@example.test", password="wrong") is None  # stored, whatever it is


@pytest.mark.parametrize(("seconds", "says"), [(900, "in 15 minutes."), (60, "in 1 minute."), (5, "in 1 minute.")])
def test_the_refusal_says_how_long_to_wait(seconds, says):
    assert str(throttling.SignInThrottled(seconds)).endswith(says)
