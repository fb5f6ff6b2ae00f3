"""Sign in (Email, Password, "Sign in"), sign out, and the page for people without an admin role."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.web.conftest import client_for
from tests.world import Org


def test_sign_in_page_has_the_guide_labels(db):
    html = client_for(None).get(reverse("accounts:login")).content.decode()

    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert ">Sign in</button>" in html
    assert "<h1>Sign in</h1>" in html


def test_signing_in_lands_on_home(org: Org):
    client = client_for(None)
    admin = org.users["global_admin"]

    response = client.post(reverse("accounts:login"), {"username": admin.email.upper(), "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("licensing:home")
    assert "Your subscriptions" in client.get(reverse("licensing:home")).content.decode()


def test_signing_in_returns_to_the_page_asked_for(org: Org):
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    response = client_for(None).post(
        reverse("accounts:login"), {"username": org.users["global_admin"].email, "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url


@pytest.mark.parametrize(
    ("password", "error"),
    [("wrong-password", "The email or password is not correct."), ("", "This field is required.")],
)
def test_wrong_password_is_refused_with_the_reason(org: Org, password, error):
    response = client_for(None).post(
        reverse("accounts:login"), {"username": org.users["global_admin"].email, "password": password}
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_wrong_password_error_is_an_alert(org: Org):
    response = client_for(None).post(
        reverse("accounts:login"), {"username": org.users["global_admin"].email, "password": "nope"}
    )
    assert 'role="alert">The email or password is not correct.</div>' in response.content.decode()


def test_disabled_account_cannot_sign_in(org: Org):
    admin = org.users["global_admin"]
    admin.is_active = False
    admin.save(update_fields=["is_active"])

    response = client_for(None).post(reverse("accounts:login"), {"username": admin.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_member_signs_in_and_sees_that_an_admin_role_is_needed(org: Org):
    client = client_for(None)
    member = org.users["member"]
    client.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})

    response = client.get(reverse("licensing:home"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "You need an admin role" in html
    assert "Sign out" in html


def test_sign_out(org: Org):
    client = client_for(org.users["global_admin"])
    assert 'action="/accounts/sign-out/"' in client.get(reverse("licensing:home")).content.decode()

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("licensing:home")).status_code == 302
