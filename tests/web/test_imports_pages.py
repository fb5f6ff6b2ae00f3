"""Uploading CSV files in the browser (licensing/views/imports.py): Import users and Upload assignments check a file
with the commands' code, preview it by a rolled-back run, and apply it only when every row is good and the file is
the one previewed."""

import hashlib
import os
import subprocess
import sys
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from core.models import AuditEvent
from licensing.forms import CsvUploadForm
from licensing.models import LicenseAssignment
from licensing.views import imports
from tests.web.conftest import HTMX, client_for

pytestmark = pytest.mark.django_db

USERS_URL = "/users/import/"


def csv_file(text: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def assignments_url(org) -> str:
    return f"/subscriptions/{org.s.pk}/users/import/"


NEW_USERS = (
    "email,display_name,department\nnia.new@contoso.test,Nia New,Sales\nadele.vance@contoso.test,Adele V,Sales\n"
)


@pytest.mark.parametrize(
    ("role", "status"),
    [("global_admin", 200), ("user_admin", 200), ("subscription_admin", 403), ("member", 403)],
)
def test_import_users_is_for_user_managers(org, role, status):
    assert client_for(org.users[role]).get(USERS_URL).status_code == status


def test_the_users_page_links_to_the_import_for_user_managers_only(org):
    assert b"Import users" in client_for(org.users["user_admin"]).get("/users/").content
    assert b"Import users" not in client_for(org.users["subscription_admin"]).get("/users/").content


def test_a_users_preview_counts_and_shows_rows_and_writes_nothing(org):
    events = AuditEvent.objects.count()
    response = client_for(org.users["user_admin"]).post(USERS_URL, {"file": csv_file(NEW_USERS)})
    assert response.status_code == 200
    assert response.context["counts"] == [("created", 1), ("updated", 1), ("unchanged", 0)]
    assert response.context["digest"] == digest(NEW_USERS)
    assert b"nia.new@contoso.test" in response.content and b"Apply" in response.content
    assert not User.objects.filter(email="nia.new@contoso.test").exists()
    assert User.objects.get(pk=org.adele.pk).display_name == "Adele Vance"
    assert AuditEvent.objects.count() == events


def test_apply_writes_the_previewed_file(org):
    client = client_for(org.users["user_admin"])
    response = client.post(USERS_URL, {"file": csv_file(NEW_USERS), "previewed": digest(NEW_USERS), "apply": "1"})
    assert response.status_code == 302 and response["Location"] == "/users/"
    assert User.objects.get(email="nia.new@contoso.test").department == "Sales"
    assert User.objects.get(pk=org.adele.pk).display_name == "Adele V"


def test_apply_refuses_a_file_other_than_the_one_previewed(org):
    client = client_for(org.users["user_admin"])
    response = client.post(USERS_URL, {"file": csv_file(NEW_USERS), "previewed": digest("other"), "apply": "1"})
    assert response.status_code == 400
    assert b"not the file you previewed" in response.content
    assert not User.objects.filter(email="nia.new@contoso.test").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"email\n\xff\xfebad@contoso.test\n", b"people.csv is not UTF-8 text"),
        ("mail,name\nx@contoso.test,X\n", b"people.csv: missing columns: email; unknown columns: mail, name"),
        ("", b"The file is empty."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(org, content, expected):
    response = client_for(org.users["global_admin"]).post(USERS_URL, {"file": csv_file(content)})
    assert response.status_code == 400
    assert expected in response.content and b"Nothing was written." in response.content
    assert b"/tmp" not in response.content  # the server's copy is never named


def test_a_file_over_the_limit_is_refused(org, monkeypatch):
    monkeypatch.setattr(CsvUploadForm, "MAX_BYTES", 30)
    response = client_for(org.users["global_admin"]).post(USERS_URL, {"file": csv_file(NEW_USERS)})
    assert response.status_code == 400 and b"the limit is 0 MB" in response.content


def test_bad_rows_are_listed_by_line_and_nothing_is_written_even_on_apply(org):
    text = "email,is_active\nok.user@contoso.test,true\nnot-an-email,true\nok.too@contoso.test,maybe\n"
    response = client_for(org.users["global_admin"]).post(
        USERS_URL, {"file": csv_file(text), "previewed": digest(text), "apply": "1"}
    )
    assert response.status_code == 400
    assert [error.line for error in response.context["checked"].errors] == [3, 4]
    assert b"Line 3:" in response.content and b"Line 4: is_active" in response.content
    assert not User.objects.filter(email__startswith="ok.").exists()


def test_htmx_gets_the_result_fragment_and_a_client_redirect_on_apply(org):
    client = client_for(org.users["global_admin"])
    preview = client.post(USERS_URL, {"file": csv_file("email\nbad\n")}, headers=HTMX)
    assert preview.status_code == 200  # htmx swaps in only a successful response
    assert b"<html" not in preview.content and b"Line 2:" in preview.content
    done = client.post(
        USERS_URL, {"file": csv_file(NEW_USERS), "previewed": digest(NEW_USERS), "apply": "1"}, headers=HTMX
    )
    assert done["HX-Redirect"] == "/users/"


PROGRESS_URL = "/uploads/progress/"
UPLOAD_ID = "0123456789abcdef" * 2


def test_a_named_uploads_rows_are_counted_for_its_admin_only(org):
    client = client_for(org.users["user_admin"])
    assert client.get(PROGRESS_URL, {"id": UPLOAD_ID}).status_code == 204  # nothing yet
    client.post(USERS_URL, {"file": csv_file(NEW_USERS)}, headers={**HTMX, "X-Upload-Progress": UPLOAD_ID})
    assert client.get(PROGRESS_URL, {"id": UPLOAD_ID}).json() == {"done": 2, "total": 2}
    assert client_for(org.users["global_admin"]).get(PROGRESS_URL, {"id": UPLOAD_ID}).status_code == 204
    assert client.get(PROGRESS_URL, {"id": "../" + UPLOAD_ID}).status_code == 204


def test_the_count_follows_the_rows_the_service_writes(org, monkeypatch):
    monkeypatch.setattr("accounts.services.imports.BATCH_SIZE", 1)
    counts = []
    set_count = imports.cache.set
    monkeypatch.setattr(
        imports.cache, "set", lambda key, value, *args: counts.append(value) or set_count(key, value, *args)
    )
    text = "email\n" + "".join(f"row.{n}@contoso.test\n" for n in range(3))
    client_for(org.users["user_admin"]).post(
        USERS_URL, {"file": csv_file(text)}, headers={"X-Upload-Progress": UPLOAD_ID}
    )
    assert [count["done"] for count in counts] == [0, 1, 2, 3, 3] and {count["total"] for count in counts} == {3}


def test_a_user_administrator_cannot_change_an_admins_account_by_file(org):
    text = f"email,department\n{org.users['global_admin'].email},Gone\n"
    response = client_for(org.users["user_admin"]).post(USERS_URL, {"file": csv_file(text)})
    assert response.status_code == 403
    assert User.objects.get(pk=org.users["global_admin"].pk).department == "IT"


# --- assignments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("global_admin", 200), ("user_admin", 200), ("subscription_admin", 200), ("member", 403)],
)
def test_upload_assignments_is_for_whoever_assigns_in_the_subscription(org, role, status):
    assert client_for(org.users[role]).get(assignments_url(org)).status_code == status


def test_the_assignments_page_links_to_the_upload(org):
    response = client_for(org.users["subscription_admin"]).get(f"/subscriptions/{org.s.pk}/users/")
    assert assignments_url(org).encode() in response.content


def test_another_subscriptions_upload_does_not_exist_for_its_outsiders(org, out_of_scope_admin):
    assert client_for(out_of_scope_admin).get(assignments_url(org)).status_code == 404


def assignments(org, *rows: str) -> str:
    return "email,subscription,sku,action\n" + "".join(f"{row}\n" for row in rows)


def test_an_assignments_preview_counts_then_apply_writes(org):
    text = assignments(
        org,
        f"{org.adele.email},{org.s.name},OFFICESERIES_E5,assign",
        f"{org.alex.email},{org.s.name},OFFICESERIES_E3,unassign",
        f"{org.henrietta.email},{org.s.name},VISIO_P2,assign",
    )
    client = client_for(org.users["subscription_admin"])
    response = client.post(assignments_url(org), {"file": csv_file(text)})
    assert response.context["counts"] == [("assigned", 1), ("unassigned", 1), ("unchanged", 1)]
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()

    response = client.post(assignments_url(org), {"file": csv_file(text), "previewed": digest(text), "apply": "1"})
    assert response.status_code == 302 and response["Location"] == f"/subscriptions/{org.s.pk}/users/"
    assert org.held(org.adele, org.s) == {"OfficeSeries E5"}
    assert org.held(org.alex, org.s) == set()


def test_a_row_of_another_subscription_or_unknown_user_is_an_error(org):
    text = assignments(
        org,
        f"{org.adele.email},{org.s.name},OFFICESERIES_E5,assign",
        f"{org.adele.email},{org.t.name},OFFICESERIES_E3,assign",
        f"nobody@contoso.test,{org.s.name},OFFICESERIES_E3,assign",
    )
    response = client_for(org.users["global_admin"]).post(
        assignments_url(org), {"file": csv_file(text), "previewed": digest(text), "apply": "1"}
    )
    assert response.status_code == 400
    assert [error.line for error in response.context["checked"].errors] == [3, 4]
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()


def test_a_refused_change_shows_why_and_writes_nothing(org):
    # E5 has 5 licenses: six users cannot all get one.
    users = [
        org.adele,
        org.alex,
        org.henrietta,
        *(org.users[name] for name in ("global_admin", "user_admin", "member")),
    ]
    text = assignments(org, *(f"{user.email},{org.s.name},OFFICESERIES_E5,assign" for user in users))
    response = client_for(org.users["global_admin"]).post(
        assignments_url(org), {"file": csv_file(text), "previewed": digest(text), "apply": "1"}
    )
    assert response.status_code == 400 and b"Nothing was written." in response.content
    assert not LicenseAssignment.objects.filter(pool=org.pool_e5).exists()


def test_the_progress_cache_is_shared_by_the_server_processes():
    """A count written by the worker that checks a file is read by whichever worker answers the poll."""
    key = f"progress-test-{uuid.uuid4()}"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.core.cache import cache; cache.set({key!r}, 7)",
        ],
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "officeseries.settings"},
    )
    assert cache.get(key) == 7
    cache.delete(key)
