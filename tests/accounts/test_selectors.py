"""accounts.selectors: users named by email, one user for a page, and the departments of the filter."""

import pytest

from accounts.selectors import departments_list, user_get, users_by_email, users_resolve
from core.errors import NotFound, PermissionDenied
from tests.factories import UserFactory


def test_resolve_keeps_the_order_given_ignores_case_and_repeats(org):
    found = users_resolve(
        emails=["Henrietta.Mueller@CONTOSO.test", " adele.vance@contoso.test ", "ADELE.VANCE@contoso.test"]
    )

    assert found == [org.henrietta, org.adele]


def test_resolve_names_every_unknown_email_and_only_those(org):
    with pytest.raises(NotFound) as caught:
        users_resolve(emails=["nobody@contoso.test", "adele.vance@contoso.test", "Ghost@Contoso.test"])

    assert caught.value.details == {"emails": ["nobody@contoso.test", "ghost@contoso.test"]}


def test_by_email_leaves_unknown_emails_out(org):
    assert users_by_email(emails=["ALEX.WILBER@contoso.test", "nobody@contoso.test"]) == {
        "alex.wilber@contoso.test": org.alex
    }


def test_the_departments_are_distinct_and_in_order(db):
    for department in ["Sales", "IT", "Sales", "Engineering", "", "IT"]:
        UserFactory(department=department)

    assert departments_list() == ["Engineering", "IT", "Sales"]


def test_no_users_no_departments(db):
    assert departments_list() == []


@pytest.mark.parametrize("role", ["global_admin", "subscription_admin", "user_admin"])
def test_every_admin_may_get_a_user(org, role):
    assert user_get(actor=org.users[role], user_id=org.adele.pk) == org.adele


def test_an_operator_may_get_a_user(org):
    assert user_get(actor=None, user_id=org.alex.pk) == org.alex


def test_a_member_may_not_get_a_user(org):
    with pytest.raises(PermissionDenied):
        user_get(actor=org.users["member"], user_id=org.adele.pk)


def test_an_unknown_user_is_not_found(org):
    with pytest.raises(NotFound):
        user_get(actor=org.users["global_admin"], user_id=999_999)
