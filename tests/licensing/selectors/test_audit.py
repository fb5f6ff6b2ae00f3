"""licensing.selectors.audit: which audit events each role may read."""

import pytest

from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source
from licensing.selectors.audit import audit_events_of_subscription, audit_events_visible


@pytest.fixture
def events_everywhere(org):
    """The organisation's license events (two in S, one in T) and one without a subscription (a token)."""
    api_token_create(user=org.adele, name="a token", by=Actor(None, Source.SYSTEM))


def subscriptions_of(events) -> list:
    return sorted((event.subscription_label for event in events), key=str)


@pytest.mark.parametrize("role", ["global_admin", "user_admin"])
def test_admins_who_see_every_subscription_read_every_event(org, events_everywhere, role):
    events = audit_events_visible(actor=org.users[role])

    assert subscriptions_of(events) == ["", "Contoso Enterprise", "Contoso Enterprise", "Fabrikam Research"]


def test_a_subscription_administrator_reads_only_their_subscriptions_events(org, events_everywhere):
    events = audit_events_visible(actor=org.users["subscription_admin"])

    assert subscriptions_of(events) == ["Contoso Enterprise", "Contoso Enterprise"]


def test_a_member_reads_nothing(org, events_everywhere):
    assert not audit_events_visible(actor=org.users["member"]).exists()


def test_an_operator_reads_everything(org, events_everywhere):
    assert audit_events_visible(actor=None).count() == 4


def test_a_subscriptions_events_come_newest_first(org):
    user_licenses_event = audit_events_of_subscription(actor=org.users["global_admin"], subscription=org.s)

    assert [event.subject_user for event in user_licenses_event] == [org.henrietta, org.alex]


def test_another_subscriptions_events_are_empty_out_of_scope(org):
    events = audit_events_of_subscription(actor=org.users["subscription_admin"], subscription=org.t)

    assert not events.exists()
