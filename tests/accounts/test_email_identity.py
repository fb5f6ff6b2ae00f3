"""One identity per email address: an internationalised domain and its ASCII (punycode) form, any case and any
Unicode compatibility form name the same account, wherever an email is looked up."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from accounts.models import User, UserManager
from accounts.selectors import users_resolve
from accounts.services.imports import users_import
from accounts.services.users import user_create
from core.audit import Actor
from core.choices import Source
from core.errors import ValidationFailed
from tests.factories import PASSWORD, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

UNICODE = "admin@contosö.example"
PUNYCODE = "admin@xn--contos-1xa.example"  # "contosö".encode("idna") and idna.encode("contosö")


@pytest.mark.parametrize(
    "typed",
    [
        UNICODE,
        PUNYCODE,
        "Admin@CONTOSÖ.Example",
        "  ADMIN@XN--CONTOS-1XA.EXAMPLE ",
        "admin@contoso\u0308.example",  # "o" + combining diaeresis
        "ａｄｍｉｎ＠ｃｏｎｔｏｓö．ｅｘａｍｐｌｅ",  # full-width forms
    ],
)
def test_every_form_of_an_address_normalises_to_one(typed):
    assert UserManager.normalize_email(typed) == PUNYCODE


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("Megan.Bowen@Example.TEST", "megan.bowen@example.test"),
        ("STRASSE@straße.example", "strasse@xn--strae-oqa.example"),  # IDNA 2008: ß is a letter of its own
        ("ops@[127.0.0.1]", "ops@[127.0.0.1]"),
        ("not-an-email", "not-an-email"),
        ("", ""),
    ],
)
def test_the_normal_form(typed, normal):
    assert UserManager.normalize_email(typed) == normal


@pytest.fixture
def account(db) -> User:
    user = user_create(email=UNICODE, password=PASSWORD, by=Actor(None, Source.CLI))
    RoleAssignmentFactory(user=user)
    return user


def test_the_account_is_stored_under_the_ascii_form(account):
    assert User.objects.get(pk=account.pk).email == PUNYCODE


@pytest.mark.parametrize(("first", "second"), [(UNICODE, PUNYCODE), (PUNYCODE, UNICODE.upper())])
def test_the_other_form_is_refused_as_a_duplicate(first, second, db):
    user_create(email=first, by=Actor(None, Source.CLI))

    with pytest.raises(ValidationFailed) as caught:
        user_create(email=second, by=Actor(None, Source.CLI))

    assert caught.value.details["fields"] == {"email": ["Already in use."]}
    assert User.objects.count() == 1


@pytest.mark.parametrize("typed", [UNICODE, PUNYCODE, "Admin@Contosö.Example"])
def test_sign_in_with_either_form(account, typed):
    assert authenticate(None, username=typed, password=PASSWORD) == account

    browser = Client()
    response = browser.post(reverse("accounts:login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert browser.get(reverse("licensing:home")).status_code == 200


@pytest.mark.parametrize("typed", [UNICODE, PUNYCODE])
def test_lookups_by_either_form(account, typed):
    assert users_resolve(emails=[typed]) == [account]


def test_an_import_with_the_other_form_updates_the_same_account(account):
    result = users_import(rows=[{"email": PUNYCODE.upper(), "job_title": "Chief"}], by=Actor(None, Source.CLI))

    assert (result.created, result.updated) == (0, 1)
    assert User.objects.get().job_title == "Chief"


def test_a_file_listing_both_forms_lists_one_user_twice(account):
    with pytest.raises(ValidationFailed):
        users_import(rows=[{"email": UNICODE}, {"email": PUNYCODE}], by=Actor(None, Source.CLI))


@pytest.mark.parametrize("email", ["a@☃.example", "a@exämple..com", "a@-contosö.example"])
def test_a_domain_that_is_no_valid_idna_name_is_a_validation_error(email, db):
    with pytest.raises(ValidationFailed) as caught:
        user_create(email=email, by=Actor(None, Source.CLI))

    assert "email" in caught.value.details["fields"]
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_stored_emails_to_the_normal_form():
    before, after = [("accounts", "0007_user_session_epoch")], [("accounts", "0008_user_email_idna")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old_user = executor.loader.project_state(before).apps.get_model("accounts", "User")
    old_user.objects.create(email="admin@contosö.example", password="")
    old_user.objects.create(email="ops@example.test", password="")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    assert sorted(User.objects.values_list("email", flat=True)) == [PUNYCODE, "ops@example.test"]
