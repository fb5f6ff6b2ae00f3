"""The Groups section (README, "Groups"): the list, create and edit with a dynamic group's rule and its preview,
delete, and a group's members. Global and User Administrators only; every change goes through
accounts.services.groups (audited, source web), and a refused one changes nothing."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import GroupKind
from accounts.models import Group, GroupMembership, User
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.factories import GroupFactory, UserFactory
from tests.test_bad_input import LONG, NUL
from tests.test_security import INLINE
from tests.web.conftest import HTMX, client_for, messages_of
from tests.world import Org

SYSTEM = Actor(None, Source.SYSTEM)
GROUP_ACTIONS = [action for action in AuditAction.values if action.startswith("group_")]

LIST_URL = reverse("licensing:groups")
CREATE_URL = reverse("licensing:group_create")
PREVIEW_URL = reverse("licensing:group_rule_preview")


def detail_url(group: Group) -> str:
    return reverse("licensing:group_detail", args=[group.pk])


def edit_url(group: Group) -> str:
    return reverse("licensing:group_edit", args=[group.pk])


def delete_url(group: Group) -> str:
    return reverse("licensing:group_delete", args=[group.pk])


def group_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__in=GROUP_ACTIONS).order_by("pk"))


def members_of(group: Group) -> set[str]:
    return set(GroupMembership.objects.filter(group=group).values_list("user__email", flat=True))


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def sales(org: Org) -> Group:
    """An assigned group with Adele and Alex."""
    group = group_create(name="Sales", kind=GroupKind.ASSIGNED, description="The sellers", by=SYSTEM)
    group_members_change(group=group, add=[org.adele, org.alex], by=SYSTEM)
    return group


@pytest.fixture
def marketing(org: Org) -> Group:
    """A dynamic group: the users of Marketing (Alex)."""
    return group_create(name="Marketing people", kind=GroupKind.DYNAMIC, rule={"department": ["Marketing"]}, by=SYSTEM)


@pytest.fixture
def user_admin_client(org: Org):
    return client_for(org.users["user_admin"])


# --- who may -----------------------------------------------------------------------------------------------------

PAGES = {
    "list": lambda group: LIST_URL,
    "create": lambda group: CREATE_URL,
    "preview": lambda group: f"{PREVIEW_URL}?department=Sales",
    "detail": detail_url,
    "edit": edit_url,
    "delete": delete_url,
}


READ_PAGES = {"list", "detail"}  # every admin reads them; the others are for those who manage groups


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("global_admin", 200), ("user_admin", 200), ("subscription_admin", 403), ("member", 403), ("anonymous", 302)],
)
def test_every_page_for_every_role(org: Org, sales, page, role, status):
    url = PAGES[page](sales)
    response = client_for(org.users[role]).get(url)

    if role == "subscription_admin" and page in READ_PAGES:
        status = 200
    assert response.status_code == status
    if response.status_code == 403 and role == "subscription_admin":
        assert "Only a Global Administrator or a User Administrator may manage groups and members." in html_of(response)
    if role == "anonymous":
        assert response["Location"].startswith(f"{reverse('accounts:login')}?next=")


@pytest.mark.parametrize(
    ("role", "shown"), [("global_admin", True), ("user_admin", True), ("subscription_admin", True)]
)
def test_the_top_menu_has_groups_for_every_admin(org: Org, role, shown):
    html = html_of(client_for(org.users[role]).get(reverse("licensing:home")))
    menu = html[html.index('<nav class="topnav"') : html.index("</nav>", html.index('<nav class="topnav"'))]
    assert (f'href="{LIST_URL}"' in menu) == shown
    assert 'href="/"' in menu


def test_the_groups_entry_is_marked_on_group_pages(org: Org, sales, user_admin_client):
    html = html_of(user_admin_client.get(detail_url(sales)))
    assert f'<a href="{LIST_URL}" aria-current="page">Groups</a>' in html


def test_a_subscription_administrator_changes_nothing(org: Org, sales, marketing):
    client = client_for(org.users["subscription_admin"])
    before = len(group_events())
    posts = [
        (CREATE_URL, {"name": "New", "kind": "assigned"}),
        (edit_url(sales), {"name": "Renamed"}),
        (delete_url(sales), {}),
        (detail_url(sales), {"action": "add", "email": org.henrietta.email}),
        (detail_url(sales), {"remove_one": org.adele.pk}),
        (edit_url(marketing), {"name": "Marketing people", "department": "Research"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert len(group_events()) == before
    assert set(Group.objects.values_list("name", flat=True)) == {"Sales", "Marketing people"}
    assert members_of(sales) == {org.adele.email, org.alex.email}
    assert members_of(marketing) == {org.alex.email}


def test_a_subscription_administrator_reads_a_group_without_its_controls(org: Org, sales, marketing):
    client = client_for(org.users["subscription_admin"])
    assert 'href="/groups/new/"' not in html_of(client.get(LIST_URL))
    for group in (sales, marketing):
        html = html_of(client.get(detail_url(group)))
        assert org.adele.email in html or group == marketing
        for control in (edit_url(group), delete_url(group), 'name="action"', 'name="remove_one"', 'name="users"'):
            assert control not in html, control
        assert reverse("licensing:group_licenses", args=[group.pk]) in html


def test_an_unknown_group_is_404(org: Org, user_admin_client):
    missing = Group(pk=999_999)
    for url in (detail_url(missing), edit_url(missing), delete_url(missing)):
        assert user_admin_client.get(url).status_code == 404
    assert user_admin_client.post(delete_url(missing)).status_code == 404


def test_pages_satisfy_the_content_security_policy(org: Org, sales, marketing, user_admin_client):
    urls = [LIST_URL, CREATE_URL, detail_url(sales), detail_url(marketing), edit_url(marketing), delete_url(sales)]
    for url in urls:
        html = html_of(user_admin_client.get(url))
        for pattern in INLINE:
            assert not pattern.search(html), f"{url}: {pattern.pattern}"


# --- the list --------------------------------------------------------------------------------------------------


def group_row(html: str, group: Group) -> str:
    start = html.index(f'<tr id="group-row-{group.pk}">')
    return html[start : html.index("</tr>", start)]


def test_the_list_shows_name_kind_members_and_description(org: Org, sales, marketing, user_admin_client):
    html = html_of(user_admin_client.get(LIST_URL))

    assert "<h1>Groups</h1>" in html
    assert f'<a class="button button-primary" href="{CREATE_URL}">Add a group</a>' in html
    row = group_row(html, sales)
    assert f'<a href="{detail_url(sales)}">Sales</a>' in row
    assert re.findall(r"<td[^>]*>([^<]*(?:<span[^>]*>[^<]*</span>)?)</td>", row) == [
        '<span class="badge badge-kind">Assigned</span>',
        "2",
        "The sellers",
    ]
    assert "Dynamic" in group_row(html, marketing) and "—" in group_row(html, marketing)
    assert html.index("Marketing people") < html.index(">Sales<")  # by name
    assert "Showing 1–2 of 2 groups" in html


def test_the_list_searches_by_name_filters_by_kind_and_sorts_by_members(org: Org, sales, marketing, user_admin_client):
    GroupFactory(name="Finance")

    def names(params) -> list[str]:
        response = user_admin_client.get(LIST_URL, params)
        return [group.name for group in response.context["page"].object_list]

    assert names({"q": "SAL"}) == ["Sales"]
    assert names({"kind": "dynamic"}) == ["Marketing people"]
    assert names({"ordering": "-members"}) == ["Sales", "Marketing people", "Finance"]
    assert names({"ordering": "members"}) == ["Finance", "Marketing people", "Sales"]
    empty = html_of(user_admin_client.get(LIST_URL, {"q": "nothing like it"}))
    assert "No groups match these filters." in empty


def test_live_search_gets_only_the_results(org: Org, sales, user_admin_client):
    response = user_admin_client.get(LIST_URL, {"q": "sa"}, headers={**HTMX, "HX-Target": "group-results"})
    html = html_of(response)
    assert html.startswith('<div id="group-results"') and "<h1>" not in html
    assert "Sales" in html


def test_the_list_pages(org: Org, user_admin_client):
    for number in range(12):
        GroupFactory(name=f"Team {number:02d}")
    response = user_admin_client.get(LIST_URL, {"per_page": "10", "page": "2"})
    assert [group.name for group in response.context["page"].object_list] == ["Team 10", "Team 11"]
    assert "Showing 11–12 of 12 groups" in html_of(response)


def queries_of(client, url: str, params: dict | None = None, headers: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, headers=headers)
    assert response.status_code == 200
    return len(captured.captured_queries)


# The session with the user and their roles, the unread notices (top bar), the count, the page's rows with their
# member counts.
LIST_QUERIES = 4


def test_the_list_costs_the_same_queries_whatever_the_groups_and_members(org: Org, user_admin_client):
    people = UserFactory.create_batch(20)
    counts = set()
    for total in (3, 40):
        while Group.objects.count() < total:
            group = GroupFactory()
            group_members_change(group=group, add=people[: Group.objects.count() % 20], by=SYSTEM)
        for params in ({}, {"per_page": "10"}, {"per_page": "100", "ordering": "-members"}, {"q": "group"}):
            counts.add(queries_of(user_admin_client, LIST_URL, params))
    assert counts == {LIST_QUERIES}


# --- create, edit, the rule's preview --------------------------------------------------------------------------


def test_create_an_assigned_group(org: Org, user_admin_client):
    response = user_admin_client.post(
        CREATE_URL, {"name": " Project X ", "description": "The X team", "kind": "assigned"}, follow=True
    )

    group = Group.objects.get(name="Project X")
    assert response.redirect_chain == [(detail_url(group), 302)]
    assert messages_of(response) == ["Created assigned group Project X."]
    assert (group.kind, group.description, group.rule) == (GroupKind.ASSIGNED, "The X team", {})
    (event,) = group_events()
    assert (event.action, event.source, event.actor) == (AuditAction.GROUP_CREATED, Source.WEB, org.users["user_admin"])


def test_create_a_dynamic_group_from_the_rule_editor(org: Org, user_admin_client):
    UserFactory(department="Sales", usage_location="MX", job_title="Seller")
    UserFactory(department="Marketing", usage_location="CA", is_active=False)  # the world's people are in the US
    data = {
        "name": "Americas sellers",
        "kind": "dynamic",
        "department": "Sales, Marketing\r\n",
        "usage_location": "mx\r\nca",
        "job_title": "",
        "is_active": "",
    }

    response = user_admin_client.post(CREATE_URL, data, follow=True)

    group = Group.objects.get(name="Americas sellers")
    assert group.rule == {"department": ["Sales", "Marketing"], "usage_location": ["MX", "CA"]}
    assert messages_of(response) == ["Created dynamic group Americas sellers, 2 members."]
    assert len(members_of(group)) == 2
    actions = [event.action for event in group_events()]
    assert actions == [AuditAction.GROUP_CREATED, AuditAction.GROUP_MEMBER_ADDED, AuditAction.GROUP_MEMBER_ADDED]
    assert {event.source for event in group_events()} == {Source.WEB}

    data["is_active"] = "enabled"
    data["name"] = "Active Americas sellers"
    user_admin_client.post(CREATE_URL, data)
    active = Group.objects.get(name="Active Americas sellers")
    assert active.rule["is_active"] == [True] and len(members_of(active)) == 1


@pytest.mark.parametrize(
    ("data", "message", "field_error"),
    [
        (
            {"name": "sALES", "kind": "assigned"},
            "A group named sALES already exists (names are compared without case).",
            "Already in use.",
        ),
        ({"name": "  ", "kind": "assigned"}, "A group&#x27;s name has 1 to 100 characters.", "1 to 100 characters."),
        ({"name": "x" * 101, "kind": "assigned"}, "A group&#x27;s name has 1 to 100 characters.", None),
        ({"name": "Empty rule", "kind": "dynamic"}, "Not a valid rule: A rule needs at least one attribute", None),
        (
            {"name": "Rule of an assigned", "kind": "assigned", "department": "Sales"},
            "An assigned group has no rule: its members are added and removed by admins.",
            None,
        ),
        ({"name": "Long", "kind": "dynamic", "department": "d" * 101}, "Not a valid rule: department", None),
        ({"name": "Null\x00byte", "kind": "assigned"}, "Correct the fields marked below.", "Null characters"),
        ({"name": "Kind", "kind": "nested"}, "Correct the fields marked below.", "Select a valid choice."),
    ],
)
def test_a_refused_group_is_shown_with_the_reason_and_nothing_is_written(
    org: Org, sales, user_admin_client, data, message, field_error
):
    before = len(group_events())

    response = user_admin_client.post(CREATE_URL, data)

    assert response.status_code == 400
    html = html_of(response)
    assert message in html and 'role="alert"' in html and "Nothing was saved." in html
    if field_error:
        assert re.search(rf'<p class="field-error">{re.escape(field_error)}', html)
    assert Group.objects.count() == 1 and len(group_events()) == before
    assert response.context["form"]["name"].value() == data["name"]  # what was typed stays


def test_the_preview_counts_the_users_the_rule_matches(org: Org, user_admin_client):
    UserFactory(department="Sales", usage_location="BR")  # the world's people are in the US

    def preview(**params) -> str:
        response = user_admin_client.get(PREVIEW_URL, params, headers=HTMX)
        assert response.status_code == 200
        return " ".join(html_of(response).split())

    # Adele and Morgan (the member) are in Sales, with the new user
    assert preview(department="Sales") == "Preview: <strong>3</strong> users match this rule."
    assert preview(department="Sales", usage_location="br") == "Preview: <strong>1</strong> user matches this rule."
    assert preview(department="Sales\nResearch", is_active="disabled") == (
        "Preview: <strong>0</strong> users match this rule."
    )
    assert preview(department="") == "Give at least one value to see how many users match."
    assert preview(job_title="t" * 101) == (
        '<span class="field-error">Not a valid rule: job_title: a non-empty list of values (text of at most 100 '
        "characters).</span>"
    )
    assert preview(department="Sales\x00") == '<span class="field-error">Not a valid rule.</span>'


def test_the_form_of_a_new_group_has_the_rule_editor_wired_to_the_preview(org: Org, user_admin_client):
    html = html_of(user_admin_client.get(CREATE_URL))
    assert f'hx-get="{PREVIEW_URL}"' in html and 'hx-target="#rule-preview"' in html
    assert 'name="kind" value="assigned"' in html and 'name="kind" value="dynamic"' in html
    assert "Give at least one value to see how many users match." in html


def test_edit_a_dynamic_groups_rule(org: Org, marketing, user_admin_client):
    html = html_of(user_admin_client.get(edit_url(marketing)))
    assert ">\nMarketing</textarea>" in html
    assert "Preview: <strong>1</strong> user matches this rule." in html  # the current rule's, without JavaScript
    assert 'name="kind"' not in html

    response = user_admin_client.post(
        edit_url(marketing),
        {"name": "Research people", "description": "", "department": "Research", "is_active": ""},
        follow=True,
    )

    assert response.redirect_chain == [(detail_url(marketing), 302)]
    assert messages_of(response) == ["Saved group Research people."]
    marketing.refresh_from_db()
    assert (marketing.name, marketing.rule) == ("Research people", {"department": ["Research"]})
    assert members_of(marketing) == {org.henrietta.email}
    actions = [event.action for event in group_events()]
    assert actions[-3:] == [
        AuditAction.GROUP_UPDATED,
        AuditAction.GROUP_MEMBER_REMOVED,
        AuditAction.GROUP_MEMBER_ADDED,
    ]
    assert all(event.source == Source.WEB for event in group_events()[-3:])


def test_editing_the_description_leaves_a_rule_the_fields_cannot_express(org: Org, user_admin_client):
    UserFactory(department="Sales, EMEA")
    group = group_create(name="EMEA", kind=GroupKind.DYNAMIC, rule={"department": ["Sales, EMEA"]}, by=SYSTEM)
    form = user_admin_client.get(edit_url(group)).context["form"]

    user_admin_client.post(edit_url(group), {**form.initial, "description": "Sellers of EMEA"})

    group.refresh_from_db()
    assert (group.description, group.rule) == ("Sellers of EMEA", {"department": ["Sales, EMEA"]})
    assert len(members_of(group)) == 1


def test_edit_an_assigned_group(org: Org, sales, user_admin_client):
    html = html_of(user_admin_client.get(edit_url(sales)))
    assert "rule-editor" not in html

    user_admin_client.post(edit_url(sales), {"name": "Sales team", "description": "All sellers"})

    sales.refresh_from_db()
    assert (sales.name, sales.description) == ("Sales team", "All sellers")
    (event,) = [event for event in group_events() if event.action == AuditAction.GROUP_UPDATED]
    assert event.details["changes"]["name"] == {"old": "Sales", "new": "Sales team"}


def test_a_refused_edit_changes_nothing(org: Org, sales, marketing, user_admin_client):
    before = len(group_events())

    taken = user_admin_client.post(edit_url(sales), {"name": "MARKETING PEOPLE", "description": "x"})
    no_rule = user_admin_client.post(edit_url(marketing), {"name": "Marketing people", "department": ""})

    assert taken.status_code == no_rule.status_code == 400
    assert "A group named MARKETING PEOPLE already exists" in html_of(taken)
    assert "Not a valid rule: A rule needs at least one attribute" in html_of(no_rule)
    sales.refresh_from_db()
    marketing.refresh_from_db()
    assert (sales.name, sales.description, marketing.rule) == ("Sales", "The sellers", {"department": ["Marketing"]})
    assert members_of(marketing) == {org.alex.email}
    assert len(group_events()) == before


# --- delete ----------------------------------------------------------------------------------------------------


def test_the_confirmation_states_who_leaves(org: Org, sales, user_admin_client):
    html = " ".join(html_of(user_admin_client.get(delete_url(sales))).split())
    assert "<h1>Delete Sales?</h1>" in html
    assert "Its 2 members leave it. The users themselves stay." in html

    empty = GroupFactory(name="Empty")
    assert "It has no members." in html_of(user_admin_client.get(delete_url(empty)))
    group_members_change(group=empty, add=[org.adele], by=SYSTEM)
    assert "Its 1 member leaves it." in html_of(user_admin_client.get(delete_url(empty)))


def test_delete_a_group(org: Org, sales, user_admin_client):
    response = user_admin_client.post(delete_url(sales), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert messages_of(response) == ["Deleted group Sales; its 2 members left it."]
    assert not Group.objects.exists()
    assert User.objects.filter(pk__in=[org.adele.pk, org.alex.pk]).count() == 2
    event = group_events()[-1]
    assert (event.action, event.source, event.actor) == (AuditAction.GROUP_DELETED, Source.WEB, org.users["user_admin"])
    assert event.details == {"group_id": sales.pk, "group": "Sales", "members": 2}


# --- members ---------------------------------------------------------------------------------------------------


def member_row_ids(response) -> list[int]:
    return [user.pk for user in response.context["page"].object_list]


def test_the_members_page(org: Org, sales, user_admin_client):
    response = user_admin_client.get(detail_url(sales))
    html = html_of(response)

    assert "<h1>Sales</h1>" in html and "The sellers · 2 members" in html
    assert f'<a href="{detail_url(sales)}" aria-current="page">Members</a>' in html
    assert member_row_ids(response) == [org.adele.pk, org.alex.pk]  # by name
    assert 'aria-label="Remove Adele Vance"' in html and 'aria-label="Select Alex Wilber"' in html
    assert 'id="member-add-email"' in html and 'id="member-paste-emails"' in html
    assert member_row_ids(user_admin_client.get(detail_url(sales), {"q": "ALEX.W"})) == [org.alex.pk]
    assert member_row_ids(user_admin_client.get(detail_url(sales), {"q": "vance"})) == [org.adele.pk]
    assert member_row_ids(user_admin_client.get(detail_url(sales), {"ordering": "-name"})) == [
        org.alex.pk,
        org.adele.pk,
    ]


def test_the_members_page_pages(org: Org, user_admin_client):
    group = GroupFactory(name="Many")
    group_members_change(group=group, add=UserFactory.create_batch(12), by=SYSTEM)
    response = user_admin_client.get(detail_url(group), {"per_page": "10", "page": "2"})
    assert len(member_row_ids(response)) == 2
    assert "Showing 11–12 of 12 members" in html_of(response)


def test_a_dynamic_groups_members_are_read_only(org: Org, marketing, user_admin_client):
    html = html_of(user_admin_client.get(detail_url(marketing)))

    assert "its rule decides who its members are" in html
    assert "<dt>Department</dt><dd>Marketing</dd>" in html
    assert 'id="member-add-email"' not in html and "Remove selected" not in html and 'name="users"' not in html
    assert org.alex.email in html

    response = user_admin_client.post(detail_url(marketing), {"action": "add", "email": org.adele.email})
    assert response.status_code == 400
    assert "Marketing people is a dynamic group: its members follow its rule." in html_of(response)
    assert members_of(marketing) == {org.alex.email}


def test_add_a_member_by_email(org: Org, sales, user_admin_client):
    url = detail_url(sales) + "?q=e"
    response = user_admin_client.post(
        url, {"action": "add", "email": " Henrietta.Mueller@CONTOSO.test ", "next": url}, follow=True
    )

    assert response.redirect_chain == [(url, 302)]
    assert messages_of(response) == ["Added 1 member to Sales."]
    assert org.henrietta.email in members_of(sales)
    event = group_events()[-1]
    assert (event.action, event.source, event.actor, event.subject_user) == (
        AuditAction.GROUP_MEMBER_ADDED,
        Source.WEB,
        org.users["user_admin"],
        org.henrietta,
    )

    again = user_admin_client.post(detail_url(sales), {"action": "add", "email": org.adele.email}, follow=True)
    assert messages_of(again) == ["Added 0 members to Sales; 1 user was already a member."]


def test_paste_a_list_of_emails(org: Org, user_admin_client):
    group = GroupFactory(name="Project X")
    pasted = f"{org.adele.email}\r\n{org.alex.email.upper()}; {org.henrietta.email},\r\n\r\n{org.adele.email}"

    response = user_admin_client.post(detail_url(group), {"action": "paste", "emails": pasted}, follow=True)

    assert messages_of(response) == ["Added 3 members to Project X."]
    assert members_of(group) == {org.adele.email, org.alex.email, org.henrietta.email}
    added = [event for event in group_events() if event.action == AuditAction.GROUP_MEMBER_ADDED]
    assert len(added) == 3 and {event.source for event in added} == {Source.WEB}


def test_unknown_emails_are_named_and_nothing_is_added(org: Org, sales, user_admin_client):
    before = len(group_events())
    pasted = f"{org.henrietta.email}\nnobody@contoso.test\nghost@contoso.test"

    response = user_admin_client.post(detail_url(sales), {"action": "paste", "emails": pasted})

    assert response.status_code == 400
    html = html_of(response)
    assert re.search(
        r'<div id="member-paste-error" class="message message-error" role="alert">'
        r"Unknown user: nobody@contoso.test, ghost@contoso.test. Nothing was changed.</div>",
        html,
    )
    assert f">{pasted}</textarea>" in html  # to correct, not to type again
    assert member_row_ids(response) == [org.adele.pk, org.alex.pk]  # the list is still shown
    assert members_of(sales) == {org.adele.email, org.alex.email}
    assert len(group_events()) == before


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        ({"action": "add", "email": ""}, "Enter the email of the user to add.", "member-add-error"),
        ({"action": "add", "email": "nobody@contoso.test"}, "Unknown user: nobody@contoso.test.", "member-add-error"),
        ({"action": "paste", "emails": " \n "}, "Paste at least one email", "member-paste-error"),
        ({"action": "remove"}, "Select at least one member to remove.", None),
        ({"action": "remove", "users": ["999999"]}, "Unknown user: 999999.", None),
        ({"action": "remove", "users": ["x"]}, "Not a user id: x.", None),
        ({"action": "remove", "users": ["a\x00@b"]}, "Not a user id: a\x00@b.", None),
        ({"remove_one": "99999999999999999999999"}, "Not a user id: 99999999999999999999999.", None),
        ({"action": "explode"}, "Select a valid choice.", None),
    ],
)
def test_a_refused_member_change_says_why_and_changes_nothing(org: Org, sales, user_admin_client, data, message, where):
    before = len(group_events())

    response = user_admin_client.post(detail_url(sales), data)

    assert response.status_code == 400
    html = html_of(response)
    assert message in html and "Nothing was changed." in html
    if where:
        assert f'id="{where}"' in html
    assert members_of(sales) == {org.adele.email, org.alex.email}
    assert len(group_events()) == before


def test_remove_one_member(org: Org, sales, user_admin_client):
    # The row's own button removes that member only, whatever else is checked.
    response = user_admin_client.post(
        detail_url(sales), {"remove_one": str(org.adele.pk), "users": [str(org.alex.pk)]}, follow=True
    )

    assert messages_of(response) == ["Removed 1 member from Sales."]
    assert members_of(sales) == {org.alex.email}
    event = group_events()[-1]
    assert (event.action, event.source, event.subject_user) == (
        AuditAction.GROUP_MEMBER_REMOVED,
        Source.WEB,
        org.adele,
    )


def test_remove_the_checked_members(org: Org, sales, user_admin_client):
    response = user_admin_client.post(
        detail_url(sales),
        {"action": "remove", "users": [str(org.adele.pk), str(org.alex.pk), str(org.henrietta.pk)]},
        follow=True,
    )

    assert messages_of(response) == ["Removed 2 members from Sales; 1 user was not a member."]
    assert members_of(sales) == set()
    assert "No members yet: add them by email above." in html_of(response)


# The session with the user and their roles, the unread notices (top bar), the group with its member count (the
# list's count while no filter narrows it), the page's rows, the departments (filter). A filter adds the count of
# its matches.
MEMBERS_QUERIES = 5
FILTERED_MEMBERS_QUERIES = 6


def test_the_members_page_costs_the_same_queries_whatever_the_members(org: Org, user_admin_client):
    group = GroupFactory(name="Growing")
    unfiltered, filtered = set(), set()
    for total in (3, 60):
        group_members_change(group=group, add=UserFactory.create_batch(total), by=SYSTEM)
        for params in ({}, {"per_page": "10"}, {"per_page": "100", "ordering": "-email"}, {"q": " "}):
            unfiltered.add(queries_of(user_admin_client, detail_url(group), params))
        for params in ({"q": "user"}, {"is_active": "true"}, {"department": "Sales", "ordering": "-email"}):
            filtered.add(queries_of(user_admin_client, detail_url(group), params))
    assert (unfiltered, filtered) == ({MEMBERS_QUERIES}, {FILTERED_MEMBERS_QUERIES})
    fragment = {**HTMX, "HX-Target": "member-results"}
    # The fragment has no top bar and no filter form.
    assert queries_of(user_admin_client, detail_url(group), {"q": "user"}, fragment) == FILTERED_MEMBERS_QUERIES - 2
    assert queries_of(user_admin_client, detail_url(group), {}, fragment) == MEMBERS_QUERIES - 2


def shown_count(client, group: Group, params: dict | None = None) -> tuple[int, list[str]]:
    """The members page's count, checked against its rows (one page holds them all), and its statements."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(detail_url(group), {"per_page": "100", **(params or {})})
    page = response.context["page"]
    assert page.paginator.count == len(page.object_list)
    return page.paginator.count, [query["sql"] for query in captured.captured_queries]


def users_counted(statements: list[str]) -> bool:
    return any("COUNT(" in sql and '"accounts_user"' in sql for sql in statements)


def test_the_members_count_follows_the_members_and_counts_no_users_unless_filtered(org: Org, user_admin_client):
    group = GroupFactory(name="Counted")
    count, statements = shown_count(user_admin_client, group)
    assert count == 0 and not users_counted(statements)
    assert "No members yet: add them by email above." in html_of(user_admin_client.get(detail_url(group)))

    group_members_change(group=group, add=[org.adele, org.alex, org.henrietta], by=SYSTEM)
    assert shown_count(user_admin_client, group)[0] == 3
    assert "Showing 1–3 of 3 members" in html_of(user_admin_client.get(detail_url(group)))
    group_members_change(group=group, remove=[org.alex], by=SYSTEM)
    count, statements = shown_count(user_admin_client, group, {"ordering": "-name"})
    assert count == 2 and not users_counted(statements)

    count, statements = shown_count(user_admin_client, group, {"q": "vance"})
    assert count == 1 and users_counted(statements)  # a filter's matches are counted exactly
    count, statements = shown_count(user_admin_client, group, {"q": "alex"})  # no longer a member
    assert count == 0 and users_counted(statements)


def test_a_page_of_members_reads_its_ids_off_the_list_order_first(org: Org, user_admin_client):
    """As the users lists do (accounts.selectors.users_page): the page's ids in a subquery in the page's order,
    then only their rows, so the users a page skips are not read from the table; the pages still follow one
    another, in every order."""
    group = GroupFactory(name="Paged")
    group_members_change(group=group, add=UserFactory.create_batch(14), by=SYSTEM)
    for ordering in ("name", "-email"):
        every = [user.pk for user in shown_rows(user_admin_client, group, {"per_page": "100", "ordering": ordering})]
        pages = []
        for number in (1, 2):
            with CaptureQueriesContext(connection) as captured:
                pages += [
                    user.pk
                    for user in shown_rows(
                        user_admin_client, group, {"per_page": "10", "page": number, "ordering": ordering}
                    )
                ]
            assert any(
                'FROM "accounts_user" WHERE "accounts_user"."id" IN (SELECT' in query["sql"]
                for query in captured.captured_queries
            )
        assert pages == every and len(every) == 14


def shown_rows(client, group: Group, params: dict) -> list:
    return list(client.get(detail_url(group), params).context["page"].object_list)


# --- hostile input ---------------------------------------------------------------------------------------------


def test_hostile_input_is_refused_without_a_server_error_and_changes_nothing(org: Org, sales, marketing):
    client = client_for(org.users["user_admin"])
    before = (len(group_events()), sorted(Group.objects.values_list("name", "description")), members_of(sales))
    for value in [NUL, LONG, "💥" * 600]:  # 600: over every length limit
        posts = [
            (CREATE_URL, {"name": value, "kind": "assigned"}),
            (CREATE_URL, {"name": "Fine", "kind": "assigned", "description": value}),
            (CREATE_URL, {"name": "Fine", "kind": "dynamic", "department": value}),
            (CREATE_URL, {"name": "Fine", "kind": value}),
            (CREATE_URL, {"name": "Fine", "kind": "dynamic", "department": "Sales", "is_active": value}),
            (edit_url(sales), {"name": value}),
            (edit_url(marketing), {"name": "Marketing people", "usage_location": value}),
            (detail_url(sales), {"action": "add", "email": value}),
            (detail_url(sales), {"action": "paste", "emails": f"{org.henrietta.email}\n{value}"}),
            (detail_url(sales), {"action": "remove", "users": [value]}),
            (detail_url(sales), {"remove_one": value}),
            (detail_url(sales), {"action": value}),
        ]
        for url, data in posts:
            response = client.post(url, data)
            assert response.status_code == 400, (url, data, response.status_code)
        for url in (LIST_URL, detail_url(sales), PREVIEW_URL):
            for parameter in ("q", "kind", "department", "is_active", "ordering", "page", "per_page"):
                assert client.get(url, {parameter: value}).status_code == 200, (url, parameter)
    after = (len(group_events()), sorted(Group.objects.values_list("name", "description")), members_of(sales))
    assert after == before
