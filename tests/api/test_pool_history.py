"""GET /api/v1/pools/{id}/history/ (README, "License usage history"): the daily series and the forecast, in the
caller's scope, with `days` validated."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import error_of
from tests.usage_history import history_add


def test_the_series_ends_with_today_and_comes_with_the_forecast(client_as, org):
    # E3 in S: 20 owned, none assigned for ten days, Alex's one today: a slight rise, far from running out.
    history_add([org.pool_e3], days=10, assigned=lambda _: 0)
    history_add([org.pool_t_e3], days=1, assigned=lambda _: 0)

    body = client_as("global_admin").get(f"/api/v1/pools/{org.pool_e3.pk}/history/?days=3").json()

    today = timezone.localdate()
    assert body["pool"] == org.pool_e3.pk and body["days"] == 3
    assert body["points"] == [
        {"day": (today - datetime.timedelta(days=2)).isoformat(), "quantity": 20, "assigned": 0, "pending": 0},
        {"day": (today - datetime.timedelta(days=1)).isoformat(), "quantity": 20, "assigned": 0, "pending": 0},
        {"day": today.isoformat(), "quantity": 20, "assigned": 1, "pending": 0},
    ]
    # The forecast reads the last 28 days whatever `days` shows: eleven points here, not three.
    assert body["forecast"]["outlook"] == "not_within_horizon"
    assert body["forecast"]["days_left"] is None and body["forecast"]["rate_per_day"] > 0


def test_without_history_the_forecast_says_so(client_as, org):
    body = client_as("subscription_admin").get(f"/api/v1/pools/{org.pool_e5.pk}/history/").json()

    assert body["days"] == 90
    assert len(body["points"]) == 1
    assert body["forecast"] == {"outlook": "too_little_history", "days_left": None, "rate_per_day": None}


def test_a_subscription_administrator_does_not_see_another_subscriptions_pool(client_as, org):
    response = client_as("subscription_admin").get(f"/api/v1/pools/{org.pool_t_e3.pk}/history/")

    assert response.status_code == 404


@pytest.mark.parametrize("days", ["0", "401", "ninety", "-3"])
def test_bad_days_are_a_validation_error(client_as, org, days):
    response = client_as("global_admin").get(f"/api/v1/pools/{org.pool_e3.pk}/history/?days={days}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == ["days"]


def test_the_queries_do_not_grow_with_the_days(client_as, org):
    client = client_as("subscription_admin")
    url = f"/api/v1/pools/{org.pool_e3.pk}/history/?days=400"
    client.get(url)  # the first request of a client also records the token's last use
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    history_add([org.pool_e3], days=300, assigned=lambda _: 1)

    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url).json()["points"]) == 301

    assert len(more) == len(few) == 3  # the token with its admin's roles, the pool, its history
