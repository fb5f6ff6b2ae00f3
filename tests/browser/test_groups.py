"""The Groups section in the browser: a dynamic group made from the rule editor while its preview counts the users
it matches, an assigned group whose members are pasted as a list of emails, then removed, and a product given to a
group with more members than free licenses."""

import pytest
from playwright.sync_api import Page, expect

from accounts.choices import GroupKind
from accounts.models import Group, GroupMembership
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_groups(page: Page) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groups")


def members(group_name: str) -> set[str]:
    return set(GroupMembership.objects.filter(group__name=group_name).values_list("user__display_name", flat=True))


def test_a_dynamic_group_from_the_rule_editor(page: Page, org: Org, people):
    sign_in(page, org.users["user_admin"])
    open_groups(page)
    page.get_by_role("link", name="Add a group").click()

    rule = page.get_by_role("group", name="Rule (dynamic groups)")
    expect(rule).to_be_hidden()  # an assigned group, the default, has no rule
    page.get_by_label("Name").fill("Engineering and Legal")
    page.get_by_role("radio", name="Dynamic").check()
    expect(rule).to_be_visible()

    preview = page.locator("#rule-preview")
    page.get_by_label("Department").fill("Engineering")
    expect(preview).to_have_text("Preview: 3 users match this rule.")  # Diego, Grady, Johanna
    page.get_by_label("Department").fill("Engineering\nLegal")
    expect(preview).to_have_text("Preview: 4 users match this rule.")  # and Joni
    page.get_by_label("Account status").select_option(label="Disabled")
    expect(preview).to_have_text("Preview: 0 users match this rule.")
    page.get_by_label("Account status").select_option(label="Any")
    expect(preview).to_have_text("Preview: 4 users match this rule.")
    page.get_by_label("Usage location").fill("U")
    expect(preview).to_have_text("Preview: 0 users match this rule.")
    page.get_by_label("Usage location").fill("")
    expect(preview).to_have_text("Preview: 4 users match this rule.")

    page.get_by_role("button", name="Add the group").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Engineering and Legal")
    expect(page.locator("#messages")).to_have_text("Created dynamic group Engineering and Legal, 4 members.")
    expect(page.locator("#member-results tbody tr")).to_have_count(4)
    expect(page.get_by_text("its rule decides who its members are")).to_be_visible()
    expect(page.get_by_role("button", name="Remove selected")).to_have_count(0)
    assert members("Engineering and Legal") == {"Diego Siciliani", "Grady Archie", "Johanna Lorenz", "Joni Sherman"}


def test_an_assigned_group_with_pasted_members(page: Page, org: Org, people):
    sign_in(page, org.users["global_admin"])
    open_groups(page)
    page.get_by_role("link", name="Add a group").click()
    page.get_by_label("Name").fill("Project X")
    page.get_by_label("Description").fill("The X team")
    page.get_by_role("button", name="Add the group").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Project X")
    expect(page.get_by_text("No members yet")).to_be_visible()

    pasted = page.get_by_label("Paste a list of emails")
    pasted.fill(f"{org.adele.email}\n{org.alex.email}; nobody@contoso.test\n{people['Joni'].email}")
    page.get_by_role("button", name="Add these members").click()

    expect(page.get_by_role("alert")).to_have_text("Unknown user: nobody@contoso.test. Nothing was changed.")
    assert members("Project X") == set()
    pasted.fill(f"{org.adele.email}\n{org.alex.email}\n{people['Joni'].email}")
    page.get_by_role("button", name="Add these members").click()

    expect(page.locator("#messages")).to_have_text("Added 3 members to Project X.")
    rows = page.locator("#member-results tbody tr")
    expect(rows).to_have_count(3)
    assert members("Project X") == {"Adele Vance", "Alex Wilber", "Joni Sherman"}

    page.get_by_role("button", name="Remove Alex Wilber").click()

    expect(page.locator("#messages")).to_have_text("Removed 1 member from Project X.")
    expect(rows).to_have_count(2)
    expect(page.locator("#member-results")).not_to_contain_text("Alex Wilber")

    page.get_by_role("checkbox", name="Select Joni Sherman").check()
    page.get_by_role("button", name="Remove selected").click()

    expect(page.locator("#messages")).to_have_text("Removed 1 member from Project X.")
    expect(rows).to_have_count(1)
    assert members("Project X") == {"Adele Vance"}
    group = Group.objects.get(name="Project X")
    events = AuditEvent.objects.filter(details__group_id=group.pk).order_by("pk")
    assert [event.action for event in events] == [
        AuditAction.GROUP_CREATED,
        *[AuditAction.GROUP_MEMBER_ADDED] * 3,
        *[AuditAction.GROUP_MEMBER_REMOVED] * 2,
    ]
    assert {event.source for event in events} == {Source.WEB}


def test_a_group_with_more_members_than_free_licenses_has_a_line(page: Page, org: Org):
    group = group_create(name="Visio users", kind=GroupKind.ASSIGNED, by=Actor(None, Source.SYSTEM))
    group_members_change(group=group, add=[org.adele, org.alex], by=Actor(None, Source.SYSTEM))
    sign_in(page, org.users["subscription_admin"])  # Groups is in every admin's menu; S's pools are theirs
    open_groups(page)
    expect(page.get_by_role("link", name="Add a group")).to_have_count(0)
    page.get_by_role("link", name="Visio users").click()
    page.get_by_role("link", name="Licenses").click()

    page.get_by_label("Add a product").select_option(str(org.pool_visio.pk))  # its one license is Henrietta's
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.locator("#messages")).to_contain_text("Visio users now has")
    row = page.locator(f"#group-license-{org.pool_visio.pk}")
    expect(row).to_contain_text("0 of 1 available")
    expect(row).to_contain_text("0 hold it · 2 wait")
    row.get_by_role("link", name="2 waiting").click()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(org.adele.email)
    expect(rows.nth(1)).to_contain_text(org.alex.email)
    expect(page.get_by_text("Not enough licenses", exact=False)).to_be_visible()
