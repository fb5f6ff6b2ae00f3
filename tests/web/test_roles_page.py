"""Roles: who holds which admin role with each Subscription Administrator's scope; Global Administrators grant and
revoke, the last active Global Administrator stays, and a Subscription Administrator sees no other subscription."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import RoleAssignment
from core.choices import AuditAction
from core.models import AuditEvent
from tests.web.conftest import client_for, messages_of
from tests.world import Org

ROLES_URL = reverse("licensing:roles")


def roles_held(user) -> set[tuple[str, str | None]]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", "subscription__name"))


@pytest.mark.parametrize("user_key", ["global_admin", "user_admin", "subscription_admin"])
def test_every_admin_sees_who_holds_which_role(org: Org, user_key):
    html = client_for(org.users[user_key]).get(ROLES_URL).content.decode()

    assert "<h1>Roles</h1>" in html
    for name, role in (
        ("Gloria Admin", "Global Administrator"),
        ("Uma Useradmin", "User Administrator"),
        ("Sam Subadmin", "Subscription Administrator"),
    ):
        row = html[html.index(name) :]
        assert role in row[: row.index("</tr>")]
    assert ">Contoso Enterprise</a>" in html  # the Subscription Administrator's scope
    assert ('name="email"' in html) == (user_key == "global_admin")  # the grant form
    assert ("Revoke" in html) == (user_key == "global_admin")


def test_a_subscription_admin_does_not_see_roles_scoped_to_other_subscriptions(org: Org, out_of_scope_admin):
    html = client_for(org.users["subscription_admin"]).get(ROLES_URL).content.decode()

    assert "Fabrikam Research" not in html
    assert out_of_scope_admin.get_full_name() not in html
    assert "Fabrikam Research" in client_for(org.users["global_admin"]).get(ROLES_URL).content.decode()


def test_a_member_gets_the_no_admin_role_page(org: Org):
    assert client_for(org.users["member"]).get(ROLES_URL).status_code == 403


def test_grant_a_scoped_role_by_email(org: Org):
    response = client_for(org.users["global_admin"]).post(
        ROLES_URL,
        {"email": "ADELE.VANCE@contoso.test", "role": Role.SUBSCRIPTION_ADMIN, "subscription": org.s.pk},
        follow=True,
    )

    assert response.redirect_chain == [(ROLES_URL, 302)]
    assert roles_held(org.adele) == {(Role.SUBSCRIPTION_ADMIN, "Contoso Enterprise")}
    assert messages_of(response) == ["Adele Vance is now Subscription Administrator of Contoso Enterprise."]
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED, subject_user=org.adele).count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "nobody@contoso.test", "role": Role.USER_ADMIN}, "No user has this email."),
        ({"email": "adele.vance@contoso.test", "role": "owner"}, "Select a valid choice."),
        ({"email": "", "role": Role.USER_ADMIN}, "Enter the email of the user to grant the role to."),
    ],
)
def test_an_invalid_grant_is_the_form_with_its_error(org: Org, data, error):
    response = client_for(org.users["global_admin"]).post(ROLES_URL, data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not roles_held(org.adele)


def test_a_scoped_role_without_a_subscription_is_refused_with_the_reason(org: Org):
    response = client_for(org.users["global_admin"]).post(
        ROLES_URL, {"email": org.adele.email, "role": Role.SUBSCRIPTION_ADMIN}, follow=True
    )

    assert messages_of(response) == ["A Subscription Administrator needs a subscription; other roles take none."]
    assert not roles_held(org.adele)


@pytest.mark.parametrize("user_key", ["user_admin", "subscription_admin"])
def test_only_a_global_admin_grants_or_revokes(org: Org, user_key):
    client = client_for(org.users[user_key])
    granted = client.post(ROLES_URL, {"email": org.adele.email, "role": Role.GLOBAL_ADMIN})
    held = RoleAssignment.objects.get(user=org.users["global_admin"])
    revoked = client.post(reverse("licensing:role_revoke"), {"role": held.pk})

    assert (granted.status_code, revoked.status_code) == (403, 403)
    assert not roles_held(org.adele)
    assert RoleAssignment.objects.filter(pk=held.pk).exists()


def test_revoke_a_role(org: Org):
    held = RoleAssignment.objects.get(user=org.users["subscription_admin"])

    response = client_for(org.users["global_admin"]).post(
        reverse("licensing:role_revoke"), {"role": held.pk}, follow=True
    )

    assert messages_of(response) == ["Sam Subadmin is no longer Subscription Administrator of Contoso Enterprise."]
    assert not roles_held(org.users["subscription_admin"])
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REVOKED).count() == 1


def test_the_last_global_admin_keeps_the_role_and_the_page_says_why(org: Org):
    held = RoleAssignment.objects.get(user=org.users["global_admin"])

    response = client_for(org.users["global_admin"]).post(
        reverse("licensing:role_revoke"), {"role": held.pk}, follow=True
    )

    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("The last active Global Administrator can neither be disabled nor lose the role")
    assert roles_held(org.users["global_admin"]) == {(Role.GLOBAL_ADMIN, None)}


def test_revoking_a_role_no_longer_held_says_so(org: Org):
    response = client_for(org.users["global_admin"]).post(
        reverse("licensing:role_revoke"), {"role": 999999}, follow=True
    )

    assert messages_of(response) == ["That role is no longer held."]


def test_the_page_costs_the_same_queries_whatever_the_number_of_roles(org: Org, django_assert_num_queries):
    client = client_for(org.users["global_admin"])
    client.get(ROLES_URL)  # the session and the scope are warm alike in both requests
    with django_assert_num_queries(4) as first:
        client.get(ROLES_URL)
    for user in (org.adele, org.alex, org.henrietta):
        RoleAssignment.objects.create(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=org.s)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(ROLES_URL)
