"""Every page for every role: allowed, 403 for users without an admin role, 404 outside a Subscription
Administrator's scope, and a redirect to sign-in for anonymous visitors (design.md, "Who may do what")."""

import pytest
from django.urls import reverse

from tests.web.conftest import HTMX, client_for
from tests.world import ROLES, Org

PAGES = {
    "home": lambda org, s: reverse("licensing:home"),
    "overview": lambda org, s: reverse("licensing:subscription_overview", args=[s.pk]),
    "products": lambda org, s: reverse("licensing:subscription_products", args=[s.pk]),
    "users": lambda org, s: reverse("licensing:subscription_users", args=[s.pk]),
    "audit": lambda org, s: reverse("licensing:subscription_audit", args=[s.pk]),
    "dialog": lambda org, s: reverse("licensing:user_licenses", args=[s.pk, org.adele.pk]),
    "profile": lambda org, s: reverse("licensing:user_profile", args=[org.alex.pk]),
}
SUBSCRIPTION_PAGES = ["overview", "products", "users", "audit", "dialog"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("global_admin", 200), ("subscription_admin", 200), ("user_admin", 200), ("member", 403), ("anonymous", 302)],
)
def test_every_page_for_every_role_in_scope(org: Org, page, role, status):
    url = PAGES[page](org, org.s)
    response = client_for(org.users[role]).get(url)

    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    elif role == "member":
        assert "You need an admin role" in response.content.decode()
        assert org.users["member"].email in response.content.decode()


@pytest.mark.parametrize("page", SUBSCRIPTION_PAGES)
@pytest.mark.parametrize(("role", "status"), [("global_admin", 200), ("user_admin", 200), ("subscription_admin", 404)])
def test_subscription_pages_outside_the_scope_are_404(org: Org, page, role, status):
    response = client_for(org.users[role]).get(PAGES[page](org, org.t))

    assert response.status_code == status
    if status == 404:
        assert "Page not found" in response.content.decode()
        assert org.t.name not in response.content.decode()


@pytest.mark.parametrize("page", SUBSCRIPTION_PAGES)
def test_unknown_subscription_is_404(org: Org, page):
    missing = type(org.s)(pk=org.t.pk + 100, name="missing")
    assert client_for(org.users["global_admin"]).get(PAGES[page](org, missing)).status_code == 404


@pytest.mark.parametrize("page", SUBSCRIPTION_PAGES)
def test_left_menu_has_the_guide_entries_and_marks_the_current_one(org: Org, page):
    html = client_for(org.users["global_admin"]).get(PAGES[page](org, org.s)).content.decode()

    nav = html[
        html.index('<nav aria-label="Subscription settings"') : html.index(
            "</nav>", html.index("Subscription settings")
        )
    ]
    entries = ["Overview", "Products &amp; licenses", "User License Assignments", "Audit log"]
    positions = [nav.index(f">{entry}</a>") for entry in entries]
    assert positions == sorted(positions)
    assert nav.count('aria-current="page"') == 1
    current = {"overview": "Overview", "products": "Products &amp; licenses", "audit": "Audit log"}.get(
        page, "User License Assignments"
    )
    assert f'aria-current="page">{current}</a>' in nav


def test_home_shows_only_the_subscription_admins_subscriptions(org: Org):
    html = client_for(org.users["subscription_admin"]).get(reverse("licensing:home")).content.decode()

    assert org.s.name in html
    assert org.t.name not in html


def test_home_lists_every_subscription_with_availability_per_product(org: Org):
    html = client_for(org.users["user_admin"]).get(reverse("licensing:home")).content.decode()

    assert f'href="{reverse("licensing:subscription_overview", args=[org.s.pk])}">Contoso Enterprise</a>' in html
    assert f'href="{reverse("licensing:subscription_overview", args=[org.t.pk])}">Fabrikam Research</a>' in html
    assert "19 of 20 available" in html  # E3 in S: Alex holds one
    assert "5 of 5 available" in html
    assert "0 of 1 available" in html
    assert "6 of 7 available" in html  # E3 in T


@pytest.mark.parametrize(
    ("role", "status"), [("global_admin", 302), ("subscription_admin", 404), ("member", 403), ("anonymous", 302)]
)
def test_posts_outside_the_scope_change_nothing(org: Org, role, status):
    client = client_for(org.users[role])
    t = org.t
    posts = [
        (reverse("licensing:user_licenses", args=[t.pk, org.alex.pk]), {"products": []}),
        (
            reverse("licensing:users_bulk", args=[t.pk]),
            {"action": "unassign", "product": org.e3.pk, "users": [org.alex.pk]},
        ),
        (reverse("licensing:pool_quantity", args=[t.pk, org.pool_t_e3.pk]), {"quantity": 9}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == status, url
        if role == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login"))
    if role == "global_admin":
        assert org.held(org.alex, t) == set()
        assert org.pool(org.pool_t_e3).quantity == 9
    else:
        assert org.held(org.alex, t) == {"OfficeSeries E3"}
        assert org.pool(org.pool_t_e3).quantity == 7


def test_htmx_requests_vary_on_the_htmx_header(org: Org):
    response = client_for(org.users["global_admin"]).get(PAGES["users"](org, org.s), headers=HTMX)

    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("role", ROLES)
def test_sign_in_page_is_open_to_everyone_not_signed_in(org: Org, role):
    response = client_for(org.users[role]).get(reverse("accounts:login"))

    if role == "anonymous":
        assert response.status_code == 200
    else:
        assert response.status_code == 302  # already signed in: on to the home page
        assert response["Location"] == reverse("licensing:home")
