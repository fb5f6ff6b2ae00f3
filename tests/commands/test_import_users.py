import pytest

from accounts.models import User
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.factories import UserFactory

HEADER = "email,display_name,department,job_title,usage_location,is_active\n"


def test_creates_and_updates_users_with_one_audit_event_each(run, write_file):
    existing = UserFactory(email="ann@example.test", department="Sales", job_title="Analyst", usage_location="US")
    old_name = existing.display_name
    path = write_file(
        "users.csv",
        HEADER + "Ann@Example.test,Ann A,Legal,Analyst,us,no\n"
        "bob@example.test,Bob B,Legal,Clerk,de,yes\n"
        "cy@example.test,Cy C,Legal,Clerk,,\n",
    )

    result = run("import_users", path)

    assert result.code == 0, result.err
    assert result.out == "created 2, updated 1, unchanged 0, skipped 0 bad rows.\n"
    existing.refresh_from_db()
    assert (existing.display_name, existing.department, existing.is_active) == ("Ann A", "Legal", False)
    bob = User.objects.get(email="bob@example.test")
    assert (bob.display_name, bob.job_title, bob.usage_location, bob.is_active) == ("Bob B", "Clerk", "DE", True)
    assert not bob.has_usable_password()
    assert User.objects.get(email="cy@example.test").is_active  # an empty is_active keeps the default
    events = AuditEvent.objects.filter(source=Source.CLI)
    assert sorted(events.values_list("action", "subject_user_label")) == [
        (AuditAction.USER_CREATED, "bob@example.test"),
        (AuditAction.USER_CREATED, "cy@example.test"),
        (AuditAction.USER_UPDATED, "ann@example.test"),
    ]
    update = events.get(action=AuditAction.USER_UPDATED)
    assert update.details == {
        "display_name": {"old": old_name, "new": "Ann A"},
        "department": {"old": "Sales", "new": "Legal"},
        "is_active": {"old": True, "new": False},
    }


def test_a_second_run_changes_nothing(run, write_file):
    path = write_file("users.csv", HEADER + "ann@example.test,Ann,Legal,Clerk,US,true\n")
    run("import_users", path)

    result = run("import_users", path)

    assert result.out.startswith("created 0, updated 0, unchanged 1")
    assert AuditEvent.objects.count() == 1


def test_columns_left_out_keep_their_values(run, write_file):
    user = UserFactory(email="ann@example.test", department="Sales", job_title="Analyst")
    path = write_file("users.csv", "Email,Display Name\nann@example.test,Ann New\n")

    assert run("import_users", path).code == 0

    user.refresh_from_db()
    assert (user.display_name, user.department, user.job_title) == ("Ann New", "Sales", "Analyst")


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(run, write_file):
    path = write_file(
        "users.csv",
        HEADER + "good@example.test,Good,Legal,Clerk,US,yes\n"  # line 2
        "not-an-email,Bad,Legal,Clerk,US,yes\n"  # line 3
        "\n"  # line 4: blank lines are skipped
        "good@example.test,Again,Legal,Clerk,US,yes\n"  # line 5
        "x@example.test,X,Legal,Clerk,USA,maybe\n"  # line 6: two problems
        ",No email,Legal,Clerk,US,yes\n"  # line 7
        "y@example.test,Y,Legal\n",  # line 8
    )

    result = run("import_users", path)

    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[-1] == f"error [validation_error]: 5 bad rows in {path}; nothing was written."
    reported = [line.removeprefix(f"{path}: ") for line in lines[:-1]]
    assert reported == [
        "line 3: [validation_error] email 'not-an-email': Enter a valid email address.",
        "line 5: [validation_error] duplicate of line 2",
        "line 6: [validation_error] usage_location 'USA': Use an ISO 3166 alpha-2 country code, e.g. US. "
        "Ensure this value has at most 2 characters (it has 3).",
        "line 6: [validation_error] is_active 'maybe': use true or false",
        "line 7: [validation_error] email is missing",
        "line 8: [validation_error] has 3 fields, the header has 6",
    ]
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_skip_invalid_imports_the_good_rows(run, write_file):
    path = write_file("users.csv", HEADER + "good@example.test,Good,,,,\nbad,Bad,,,,\n")

    result = run("import_users", path, "--skip-invalid")

    assert result.code == 0
    assert "line 3: [validation_error] email 'bad'" in result.err
    assert result.out == "created 1, updated 0, unchanged 0, skipped 1 bad rows.\n"
    assert list(User.objects.values_list("email", flat=True)) == ["good@example.test"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("display_name,department\n", "missing columns: email"),
        ("email,emial,department\n", "unknown columns: emial"),
        ("email,email\n", "repeated columns: email"),
        ("", "is empty"),
    ],
)
def test_a_file_with_wrong_columns_is_refused(run, write_file, header, message):
    path = write_file("users.csv", header + ("a@example.test,b\n" if header else ""))

    result = run("import_users", path)

    assert result.code == 1
    assert result.err.startswith("error [validation_error]: ")
    assert message in result.err
    assert not User.objects.exists()


def test_bom_and_windows_line_endings(run, write_file):
    content = "\ufeff" + HEADER.replace("\n", "\r\n") + 'ann@example.test,"Ann, Jr.",Legal,Clerk,US,yes\r\n'
    path = write_file("users.csv", content.encode("utf-8"))

    result = run("import_users", path)

    assert result.code == 0, result.err
    assert User.objects.get().display_name == "Ann, Jr."


def test_a_file_that_is_not_utf8_is_refused(run, write_file):
    path = write_file("users.csv", (HEADER + "zoë@example.test,Zoë,,,,\n").encode("latin-1"))

    result = run("import_users", path)

    assert (result.code, result.err.split(":")[0]) == (1, "error [validation_error]")
    assert "not UTF-8" in result.err


def test_dry_run_reports_and_writes_nothing(run, write_file):
    UserFactory(email="ann@example.test", department="Sales")
    path = write_file("users.csv", "email,department\nann@example.test,Legal\nbob@example.test,Legal\n")

    result = run("import_users", path, "--dry-run")

    assert result.code == 0
    assert result.out.startswith("dry run, nothing written: would have created 1, updated 1, unchanged 0")
    assert User.objects.get().department == "Sales"
    assert not AuditEvent.objects.exists()


def test_a_user_admin_may_import_and_a_subscription_admin_may_not(run, write_file, user_admin, subscription_admin):
    path = write_file("users.csv", "email\nann@example.test\n")

    refused = run("import_users", path, "--as", subscription_admin.email)
    done = run("import_users", path, "--as", user_admin.email)

    assert refused.code == 1 and refused.err.startswith("error [permission_denied]")
    assert done.code == 0
    assert AuditEvent.objects.get().actor == user_admin


def test_a_user_admin_may_not_import_changes_to_an_admin(run, write_file, user_admin, global_admin):
    path = write_file("users.csv", f"email,is_active\nann@example.test,yes\n{global_admin.email},no\n")

    result = run("import_users", path, "--as", user_admin.email)

    assert result.code == 1
    assert result.err.startswith("error [permission_denied]")
    assert global_admin.email in result.err
    assert User.objects.get(pk=global_admin.pk).is_active
    assert not User.objects.filter(email="ann@example.test").exists()
    assert not AuditEvent.objects.exists()


def test_an_import_may_not_disable_the_last_global_admin(run, write_file, global_admin):
    path = write_file("users.csv", f"email,is_active\n{global_admin.email},no\n")

    result = run("import_users", path, "--as", global_admin.email)

    assert (result.code, result.err.split(":")[0]) == (1, "error [permission_denied]")
    assert User.objects.get(pk=global_admin.pk).is_active


def test_ten_thousand_rows_in_a_bounded_number_of_queries(run, write_file, django_assert_max_num_queries):
    UserFactory(email="user00007@example.test", department="Old")
    rows = "".join(f"user{i:05d}@example.test,User {i},Dept {i % 7},Clerk,US,yes\n" for i in range(10_000))
    path = write_file("users.csv", HEADER + rows)

    # Set-based: a few hundred INSERTs at most (Django splits them to SQLite's 999 parameters), never one per row.
    with django_assert_max_num_queries(350):
        result = run("import_users", path)

    assert result.code == 0, result.err
    assert result.out.startswith("created 9999, updated 1, unchanged 0")
    assert User.objects.count() == 10_000
    assert AuditEvent.objects.count() == 10_000


def test_an_import_reports_an_invalid_domain_on_its_line(run, write_file):
    path = write_file("users.csv", "email\nok@contosö.example\nbad@☃.example\n")

    result = run("import_users", path)

    assert result.code == 1
    assert "line 3: [validation_error] email 'bad@☃.example'" in result.err
    assert not User.objects.exists()


def test_a_row_with_the_ascii_form_of_a_unicode_domain_updates_that_user(run, write_file):
    UserFactory(email="ann@contosö.example", department="Sales")
    path = write_file("users.csv", "email,department\nANN@xn--contos-1xa.example,Legal\n")

    result = run("import_users", path)

    assert result.out.startswith("created 0, updated 1, unchanged 0"), result.err
    assert User.objects.get().department == "Legal"
