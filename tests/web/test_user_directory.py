"""The Users section (README, "In the browser"): every user of the organisation with their licenses in the
subscriptions the reader may see, its filters and its fixed query count; bulk actions after a confirmation; and a
user's account: create, edit, enable / disable, delete, under the role rules of accounts.permissions."""

import pytest
from django.urls import reverse

from accounts.models import GroupMembership, User
from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, UserFactory
from tests.web.conftest import client_for, messages_of
from tests.world import Org

SYSTEM = Actor(None, Source.SYSTEM)
LIST_URL = reverse("licensing:users")
BULK_URL = reverse("licensing:users_directory_bulk")
CREATE_URL = reverse("licensing:user_create")


def url(name: str, user: User) -> str:
    return reverse(f"licensing:{name}", args=[user.pk])


def names_listed(response) -> list[str]:
    return [user.display_name for user in response.context["page"].object_list]


@pytest.fixture
def sales(org: Org):
    group = GroupFactory(name="Sales team")
    group_members_change(group=group, add=[org.adele], by=SYSTEM)
    return group


# --- the list --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("global_admin", 200), ("user_admin", 200), ("subscription_admin", 200)])
def test_every_admin_reads_the_list(org: Org, role, status):
    response = client_for(org.users[role]).get(LIST_URL)
    assert response.status_code == status
    assert {"Adele Vance", "Alex Wilber", "Henrietta Mueller"} <= set(names_listed(response))
    assert 'aria-current="page">Users</a>' in response.content.decode()


def test_a_member_gets_403_and_anonymous_signs_in(org: Org):
    assert client_for(org.users["member"]).get(LIST_URL).status_code == 403
    assert "/accounts/sign-in/" in client_for(None).get(LIST_URL)["Location"]


def test_a_subscription_admin_sees_only_the_licenses_of_their_subscription(org: Org):
    response = client_for(org.users["subscription_admin"]).get(LIST_URL, {"q": "alex"})
    (alex,) = response.context["page"].object_list
    assert [license.pool.subscription for license in alex.subscription_licenses] == [org.s]
    global_view = client_for(org.users["global_admin"]).get(LIST_URL, {"q": "alex"})
    assert len(global_view.context["page"].object_list[0].subscription_licenses) == 2


def test_a_subscription_admin_has_no_account_actions(org: Org):
    html = client_for(org.users["subscription_admin"]).get(LIST_URL).content.decode()
    assert CREATE_URL not in html
    assert 'value="disable"' not in html
    assert 'value="assign"' in html  # in their subscription


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "vance"}, {"Adele Vance"}),
        ({"product": "VISIO_P2"}, {"Henrietta Mueller"}),
        ({"department": "Research"}, {"Henrietta Mueller"}),
        ({"licensed": "true"}, {"Alex Wilber", "Henrietta Mueller"}),
        ({"is_active": "false"}, set()),
    ],
)
def test_filters(org: Org, params, expected):
    response = client_for(org.users["global_admin"]).get(LIST_URL, params)
    assert set(names_listed(response)) == expected


def test_filter_by_group(org: Org, sales):
    response = client_for(org.users["global_admin"]).get(LIST_URL, {"group": str(sales.pk)})
    assert names_listed(response) == ["Adele Vance"]
    assert client_for(org.users["global_admin"]).get(LIST_URL, {"group": "x"}).context["page"].object_list == []


def test_pending_users_filter(org: Org):
    waiting = UserFactory(display_name="Wanda Waiting")
    group = GroupFactory(name="Visio fans")
    group_licenses_change(group=group, subscription=org.s, add=[org.visio], by=SYSTEM)
    group_members_change(group=group, add=[waiting], by=SYSTEM)
    response = client_for(org.users["global_admin"]).get(LIST_URL, {"state": "pending"})
    assert names_listed(response) == ["Wanda Waiting"]
    assert "(waiting)" in response.content.decode()


def test_sorted_by_email_descending(org: Org):
    response = client_for(org.users["global_admin"]).get(LIST_URL, {"ordering": "-email"})
    emails = [user.email for user in response.context["page"].object_list]
    assert emails == sorted(emails, reverse=True)


# The session with the user and their roles, the unread notices (top bar), the visible pools (product choices),
# groups, the bounded count, the page's rows with their licenses and sources (one statement), departments.
LIST_QUERIES = 7


@pytest.mark.parametrize("extra_users", [0, 40])
def test_a_page_costs_a_fixed_number_of_queries(org: Org, django_assert_num_queries, extra_users):
    users = UserFactory.create_batch(extra_users)
    licenses_bulk_assign(subscription=org.s, product=org.e3, users=users[:15], by=SYSTEM)
    client = client_for(org.users["global_admin"])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"per_page": "50"})
    assert len(response.context["page"].object_list) == min(50, 7 + extra_users)


# --- create, edit, enable / disable, delete --------------------------------------------------------------------


def test_a_user_admin_creates_a_user(org: Org):
    client = client_for(org.users["user_admin"])
    response = client.post(CREATE_URL, {"email": "new.person@contoso.test", "display_name": "New Person"})
    user = User.objects.get(email="new.person@contoso.test")
    assert response["Location"] == url("user_profile", user)
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATED, subject_user=user, source=Source.WEB).exists()


def test_a_taken_email_is_the_forms_error(org: Org):
    response = client_for(org.users["global_admin"]).post(CREATE_URL, {"email": org.alex.email})
    assert response.status_code == 400
    assert "already exists" in response.content.decode() or "Already in use" in response.content.decode()


@pytest.mark.parametrize("role", ["subscription_admin", "member"])
def test_others_may_not_create(org: Org, role):
    assert client_for(org.users[role]).get(CREATE_URL).status_code == 403
    assert client_for(org.users[role]).post(CREATE_URL, {"email": "x@contoso.test"}).status_code == 403
    assert not User.objects.filter(email="x@contoso.test").exists()


def test_edit_details(org: Org):
    client = client_for(org.users["user_admin"])
    assert client.get(url("user_edit", org.alex)).status_code == 200
    response = client.post(
        url("user_edit", org.alex), {"display_name": "Alex W.", "department": "Sales", "usage_location": "gb"}
    )
    assert response.status_code == 302
    org.alex.refresh_from_db()
    assert (org.alex.display_name, org.alex.department, org.alex.usage_location) == ("Alex W.", "Sales", "GB")


def test_a_user_admin_cannot_touch_an_admins_account(org: Org):
    client = client_for(org.users["user_admin"])
    gloria = org.users["global_admin"]
    for response in (
        client.get(url("user_edit", gloria)),
        client.post(url("user_edit", gloria), {"display_name": "Hacked"}),
        client.post(url("user_status", gloria), {"is_active": "false"}),
        client.post(url("user_delete", gloria)),
    ):
        assert response.status_code == 403
        assert "Only a Global Administrator may change an admin&#x27;s account" in response.content.decode()
    gloria.refresh_from_db()
    assert gloria.is_active and gloria.display_name == "Gloria Admin"
    profile = client.get(url("user_profile", gloria)).content.decode()
    assert 'id="account-locked"' in profile and url("user_edit", gloria) not in profile


def test_a_subscription_admin_gets_403_on_writes(org: Org):
    client = client_for(org.users["subscription_admin"])
    assert client.post(url("user_status", org.alex), {"is_active": "false"}).status_code == 403
    assert client.get(url("user_delete", org.alex)).status_code == 403
    org.alex.refresh_from_db()
    assert org.alex.is_active


def test_disable_then_enable(org: Org):
    client = client_for(org.users["global_admin"])
    client.post(url("user_status", org.alex), {"is_active": "false"})
    org.alex.refresh_from_db()
    assert not org.alex.is_active
    response = client.post(url("user_status", org.alex), {"is_active": "true"}, follow=True)
    org.alex.refresh_from_db()
    assert org.alex.is_active
    assert "Enabled alex.wilber@contoso.test." in messages_of(response)


def test_delete_confirms_with_the_licenses_then_frees_them(org: Org):
    client = client_for(org.users["global_admin"])
    html = client.get(url("user_delete", org.alex)).content.decode()
    assert "Contoso Enterprise" in html and "Fabrikam Research" in html and "OfficeSeries E3" in html
    response = client.post(url("user_delete", org.alex))
    assert response["Location"] == LIST_URL
    assert not User.objects.filter(pk=org.alex.pk).exists()
    assert org.pool(org.pool_e3).assigned == 0 and org.pool(org.pool_t_e3).assigned == 0


def test_nobody_deletes_themselves(org: Org):
    gloria = org.users["global_admin"]
    assert client_for(gloria).post(url("user_delete", gloria)).status_code == 403
    assert User.objects.filter(pk=gloria.pk).exists()


# --- the user's page -------------------------------------------------------------------------------------------


def test_the_users_page_shows_groups_roles_and_recent_events(org: Org, sales):
    client = client_for(org.users["global_admin"])
    html = client.get(url("user_profile", org.adele)).content.decode()
    assert "Sales team" in html and "No admin role." in html
    sam = client.get(url("user_profile", org.users["subscription_admin"])).content.decode()
    assert "Subscription Administrator" in sam and "Contoso Enterprise" in sam
    alex = client.get(url("user_profile", org.alex)).content.decode()
    events = alex[alex.index('id="events-heading"') :]
    assert "License assigned" in events and "Audit log of Contoso Enterprise" in events


# --- bulk --------------------------------------------------------------------------------------------------------


def test_bulk_disable_confirms_then_disables(org: Org):
    client = client_for(org.users["global_admin"])
    users = [org.adele.pk, org.alex.pk]
    confirm = client.post(BULK_URL, {"action": "disable", "users": users, "next": LIST_URL})
    assert confirm.status_code == 200
    assert "Disable 2 users?" in confirm.content.decode()
    assert User.objects.filter(pk__in=users, is_active=True).count() == 2
    done = client.post(BULK_URL, {"action": "disable", "users": users, "confirmed": "true"}, follow=True)
    assert "Disabled 2 users." in messages_of(done)
    assert User.objects.filter(pk__in=users, is_active=False).count() == 2


def test_bulk_disable_of_an_admin_by_a_user_admin_changes_nobody(org: Org):
    client = client_for(org.users["user_admin"])
    users = [org.adele.pk, org.users["global_admin"].pk]
    response = client.post(BULK_URL, {"action": "disable", "users": users, "confirmed": "true"})
    assert response.status_code == 403
    assert "gloria.admin@contoso.test" in response.content.decode()
    assert User.objects.filter(pk__in=users, is_active=True).count() == 2


def test_bulk_add_to_group(org: Org, sales):
    client = client_for(org.users["user_admin"])
    data = {"action": "add_to_group", "group": sales.pk, "users": [org.alex.pk, org.adele.pk], "confirmed": "true"}
    response = client.post(BULK_URL, data, follow=True)
    assert "Added 1 user to Sales team." in messages_of(response)
    assert GroupMembership.objects.filter(group=sales).count() == 2


def test_bulk_assign_and_unassign(org: Org):
    client = client_for(org.users["subscription_admin"])
    data = {"action": "assign", "pool": org.pool_e5.pk, "users": [org.adele.pk, org.alex.pk], "confirmed": "true"}
    client.post(BULK_URL, data)
    assert org.pool(org.pool_e5).assigned == 2
    client.post(BULK_URL, {**data, "action": "unassign"})
    assert not LicenseAssignment.objects.filter(pool=org.pool_e5).exists()


def test_bulk_assign_beyond_the_licenses_left_changes_nothing(org: Org):
    data = {"action": "assign", "pool": org.pool_visio.pk, "users": [org.adele.pk], "confirmed": "true"}
    response = client_for(org.users["global_admin"]).post(BULK_URL, data, follow=True)
    assert messages_of(response)
    assert org.pool(org.pool_visio).assigned == 1


def test_bulk_out_of_scope_or_role(org: Org, sales):
    client = client_for(org.users["subscription_admin"])
    outside = {"action": "assign", "pool": org.pool_t_e3.pk, "users": [org.adele.pk]}
    assert client.post(BULK_URL, outside).status_code == 404
    group = {"action": "add_to_group", "group": sales.pk, "users": [org.alex.pk]}
    assert client.post(BULK_URL, group).status_code == 403
    assert client.post(BULK_URL, {"action": "disable", "users": [org.alex.pk]}).status_code == 403
