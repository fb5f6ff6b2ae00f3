"""accounts.models: the email is the login, stored lower-case and unique whatever its case."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.models import User
from tests.factories import PASSWORD, RoleAssignmentFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_stores_the_email_lower_case():
    user = User.objects.create_user("  Adele.Vance@Contoso.EXAMPLE ", "pw")

    assert User.objects.get(pk=user.pk).email == "adele.vance@contoso.example"


def test_save_stores_the_email_lower_case():
    user = User(email="Alex.Wilber@Example.TEST")
    user.save()

    assert User.objects.get(pk=user.pk).email == "alex.wilber@example.test"


def test_create_user_needs_an_email():
    with pytest.raises(ValueError):
        User.objects.create_user("", "pw")


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("lee@example.test")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("LEE@Example.Test")


def test_the_database_refuses_a_duplicate_differing_only_in_case():
    """bulk_create skips save(), so only the case-insensitive unique index stands in the way."""
    User.objects.bulk_create([User(email="Grady.Archie@Example.test")])

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="grady.archie@example.test")])


@pytest.mark.parametrize(
    "typed", ["diego@example.test", "DIEGO@EXAMPLE.TEST", "Diego@Example.Test", " diego@example.test "]
)
def test_sign_in_by_email_in_any_case(typed):
    user = UserFactory(email="diego@example.test")

    assert authenticate(username=typed, password=PASSWORD) == user


def test_sign_in_refuses_a_wrong_password_or_a_disabled_user():
    UserFactory(email="joni@example.test")
    UserFactory(email="off@example.test", is_active=False)

    assert authenticate(username="joni@example.test", password="wrong") is None
    assert authenticate(username="off@example.test", password=PASSWORD) is None


def test_the_client_signs_in_with_an_upper_case_email(client):
    user = UserFactory(email="patti@example.test")

    assert client.login(username="PATTI@EXAMPLE.TEST", password=PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_superuser_creation():
    admin = User.objects.create_superuser("Root@Example.test", "pw")

    assert (admin.email, admin.is_staff, admin.is_superuser) == ("root@example.test", True, True)


def test_string_forms():
    named = UserFactory(display_name="Nestor Wilke", email="nestor@example.test")
    unnamed = UserFactory(display_name="", email="anon@example.test")
    subscription = SubscriptionFactory(name="Contoso Enterprise")
    role = RoleAssignmentFactory(user=named, role=Role.SUBSCRIPTION_ADMIN, subscription=subscription)

    assert (str(named), str(unnamed)) == ("Nestor Wilke", "anon@example.test")
    assert named.get_full_name() == named.get_short_name() == "Nestor Wilke"
    assert str(role) == "Nestor Wilke: Subscription Administrator of Contoso Enterprise"
