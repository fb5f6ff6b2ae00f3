"""The alert settings come from the environment (README, "Configuration"): the forecast threshold, and e-mail on the
console until an SMTP server is named."""

import pytest

from tests.test_security import PRODUCTION_ENV, manage

SHOW = (
    "from django.conf import settings; "
    "print(settings.LICENSE_FORECAST_ALERT_DAYS, settings.EMAIL_BACKEND.rsplit('.', 2)[-2], settings.SITE_URL)"
)


def test_defaults_are_14_days_and_the_console():
    result = manage("shell", "-c", SHOW, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "14 console http://127.0.0.1:8000", result.stderr


def test_an_smtp_server_and_a_threshold_from_the_environment():
    env = {
        **PRODUCTION_ENV,
        "LICENSE_FORECAST_ALERT_DAYS": "30",
        "EMAIL_HOST": "smtp.contoso.example",
        "SITE_URL": "https://admin.contoso.example/",
    }
    result = manage("shell", "-c", SHOW, env=env)
    assert result.stdout.strip().splitlines()[-1] == "30 smtp https://admin.contoso.example", result.stderr


@pytest.mark.parametrize(("value", "refusal"), [("0", "must be 1 or more"), ("soon", "must be a whole number of days")])
def test_refuses_a_threshold_that_is_not_a_number_of_days(value, refusal):
    result = manage("check", env={**PRODUCTION_ENV, "LICENSE_FORECAST_ALERT_DAYS": value})
    assert result.returncode != 0 and f"LICENSE_FORECAST_ALERT_DAYS {refusal}" in result.stderr
