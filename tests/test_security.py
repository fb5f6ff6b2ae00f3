"""Deploy hardening: the production configuration passes `check --deploy`, and every page satisfies the
Content-Security-Policy (no inline scripts, styles or event handlers)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, RoleAssignmentFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x7!kq2-production-like-secret-key-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "admin.contoso.example",
    "HTTPS": "1",
    "DEBUG": "0",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    test_only = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {key: value for key, value in os.environ.items() if key not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_configuration_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_checkout_without_a_secret_key_is_a_development_one():
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")
    with_key = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=PRODUCTION_ENV)
    assert with_key.stdout.strip().endswith("False")


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),  # onclick= and friends
    re.compile(r"javascript:", re.I),
]


@pytest.fixture
def pages(db):
    pool = LicensePoolFactory(quantity=3)
    subscription = pool.subscription
    holder = UserFactory()
    user_licenses_change(user=holder, subscription=subscription, add=[pool.product], by=Actor(None, Source.CLI))
    admin = RoleAssignmentFactory().user
    base = f"/subscriptions/{subscription.pk}"
    urls = [
        "/",
        f"{base}/",
        f"{base}/products/",
        f"{base}/users/",
        f"{base}/users/?q=user",
        f"{base}/users/{holder.pk}/licenses/",
        f"{base}/audit/",
        f"/users/{holder.pk}/",
    ]
    return admin, urls


def test_pages_carry_the_policy_and_satisfy_it(client, pages):
    admin, urls = pages
    anonymous = client.get("/accounts/sign-in/")
    responses = [("/accounts/sign-in/", anonymous)]
    client.force_login(admin)
    responses += [(url, client.get(url)) for url in urls]
    responses.append(("dialog fragment", client.get(urls[5], headers={"HX-Request": "true"})))
    for url, response in responses:
        assert response.status_code == 200, url
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        html = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(html), f"{url}: {pattern.pattern} in the page breaks the CSP"


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_signed_in_pages_and_the_api_are_never_cached(client, pages):
    admin, urls = pages
    client.force_login(admin)
    for url in [*urls, "/accounts/sign-in/", "/no-such-page/"]:  # the last two: a redirect and a 404 page
        assert no_store(client.get(url)), url
    _, key = api_token_create(user=admin, name="cache test", by=Actor(None, Source.SYSTEM))
    api = APIClient()
    assert no_store(api.get("/api/v1/users/")), "a 401 error"
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for url in ["/api/v1/users/", "/api/v1/tokens/", "/api/v1/pools/999999/", "/api/v1/no-such-thing/"]:
        assert no_store(api.get(url)), url
    assert no_store(api.post("/api/v1/users/", "[", content_type="application/json")), "a 400 error"


def test_static_files_may_be_cached(client, admin_user, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic, as in development
    client.force_login(admin_user)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert not no_store(response)


@pytest.mark.parametrize(
    ("value", "refusal"),
    [("-1", "must be 0 or more"), ("thirty", "must be a whole number of days")],
)
def test_refuses_a_reclaim_grace_period_that_is_not_a_number_of_days(value, refusal):
    result = manage("check", env={**PRODUCTION_ENV, "LICENSE_RECLAIM_GRACE_DAYS": value})
    assert result.returncode != 0 and f"LICENSE_RECLAIM_GRACE_DAYS {refusal}" in result.stderr


def test_the_reclaim_grace_period_comes_from_the_environment():
    script = "from django.conf import settings; print(settings.LICENSE_RECLAIM_GRACE_DAYS)"
    result = manage("shell", "-c", script, env={**PRODUCTION_ENV, "LICENSE_RECLAIM_GRACE_DAYS": "0"})
    assert result.stdout.strip().splitlines()[-1] == "0", result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "0 {'min_size': 2, 'max_size': 8, 'timeout': 10}"),
        ({"DATABASE_POOL_SIZE": "16"}, "0 {'min_size': 2, 'max_size': 16, 'timeout': 10}"),
        ({"DATABASE_POOL": "0"}, "60 None"),
    ],
)
def test_postgresql_connections_are_pooled_unless_switched_off(env, expected):
    script = (
        "from django.conf import settings; database = settings.DATABASES['default'];"
        " print(database['CONN_MAX_AGE'], database['OPTIONS'].get('pool'))"
    )
    database = {"DATABASE_URL": "postgres://officeseries@db.internal:5432/officeseries"}
    result = manage("shell", "-c", script, env={**PRODUCTION_ENV, **database, **env})
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_a_postgresql_database_uses_the_projects_backend():
    """core/postgresql/base.py: Django's backend with psycopg's compiled timestamp loader."""
    script = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    database = {"DATABASE_URL": "postgres://officeseries@db.internal:5432/officeseries"}
    result = manage("shell", "-c", script, env={**PRODUCTION_ENV, **database})
    assert result.stdout.strip().splitlines()[-1] == "core.postgresql", result.stderr
