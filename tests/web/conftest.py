"""Fixtures of the web view tests (the organisation is tests/world.py's `org`): a client signed in as someone."""

import pytest
from django.test import Client

from accounts.models import User

HTMX = {"HX-Request": "true"}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def global_admin_client(org) -> Client:
    """Signed in as the Global Administrator."""
    return client_for(org.users["global_admin"])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
