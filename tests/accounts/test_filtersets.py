"""UserFilterSet: search by name or email fragment, department, account status and sorting; a search is sorted in a
way no index provides, so its cost follows the matches, not where they sit in the name order."""

import pytest
from django.db import connection
from django.db.models.expressions import OrderBy

from accounts.filtersets import UserFilterSet
from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def people(db) -> dict[str, User]:
    return {
        "adele": UserFactory(display_name="Adele Vance", email="adele.vance@contoso.test", department="Sales"),
        "alex": UserFactory(display_name="Alex Wilber", email="alex.wilber@contoso.test", department="Marketing"),
        "jose": UserFactory(display_name="José Müller", email="jose@xn--contos-1xa.example", department="Research"),
        "kenji": UserFactory(
            display_name="Kenji Sato", email="kenji.sato@fabrikam.test", department="Sales", is_active=False
        ),
    }


def names(params: dict) -> list[str]:
    return [person.display_name for person in UserFilterSet(params, queryset=User.objects.all()).qs]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("adele", ["Adele Vance"]),  # a name fragment, any case
        ("  WILBER ", ["Alex Wilber"]),  # trimmed
        ("wilber@contoso", ["Alex Wilber"]),  # an email fragment
        ("SATO@FABRIKAM", ["Kenji Sato"]),  # emails are stored case-folded: the fragment is folded too
        ("@contosö.example", ["José Müller"]),  # a Unicode domain finds its stored ASCII (IDNA) form
        ("contosö", ["José Müller"]),
        ("xn--contos-1xa", ["José Müller"]),
        ("Müller", ["José Müller"]),
        ("nobody", []),
        ("", ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]),
    ],
)
def test_search_by_name_or_email_fragment(people, q, expected):
    assert names({"q": q}) == expected


def test_department_is_matched_exactly(people):
    assert names({"department": "Sales"}) == ["Adele Vance", "Kenji Sato"]
    assert names({"department": "Sal"}) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", ["Adele Vance", "Alex Wilber", "José Müller"]),
        ("false", ["Kenji Sato"]),
        ("", ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]),
        ("maybe", ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]),  # not a yes or no: not applied
    ],
)
def test_account_status(people, value, expected):
    assert names({"is_active": value}) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]),
        ("-name", ["Kenji Sato", "José Müller", "Alex Wilber", "Adele Vance"]),
        ("email", ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]),
        ("-department", ["Adele Vance", "Kenji Sato", "José Müller", "Alex Wilber"]),
    ],
)
def test_ordering(people, ordering, expected):
    got = names({"ordering": ordering})
    if ordering == "-department":  # two in Sales, in no defined order
        assert (set(got[:2]), got[2:]) == (set(expected[:2]), expected[2:])
    else:
        assert got == expected


def test_an_unknown_ordering_is_refused_and_the_default_kept(people):
    filterset = UserFilterSet({"ordering": "password"}, queryset=User.objects.all())
    assert "ordering" in filterset.errors
    assert names({"ordering": "password"}) == ["Adele Vance", "Alex Wilber", "José Müller", "Kenji Sato"]


@pytest.mark.parametrize("ordering", [None, "name", "-name", "email", "-email"])
def test_a_search_sorts_with_the_nulls_where_no_index_keeps_them(people, ordering):
    """Any database: the search's order puts nulls first ascending and last descending, the opposite of a b-tree
    index, and keeps the order asked for (the columns are NOT NULL)."""
    params = {"q": "a"} | ({"ordering": ordering} if ordering else {})
    searched = UserFilterSet(params, queryset=User.objects.all()).qs
    terms = searched.query.order_by
    assert terms and all(isinstance(term, OrderBy) for term in terms)
    assert all(term.nulls_last if term.descending else term.nulls_first for term in terms)
    unsearched = UserFilterSet({"ordering": ordering} if ordering else {}, queryset=User.objects.all()).qs
    assert list(searched) == [person for person in unsearched if person in set(searched)]


@pytest.mark.postgres
@pytest.mark.parametrize("ordering", [None, "name", "-name", "email", "-email"])
def test_a_search_cannot_walk_the_name_index(people, ordering):
    """With whole-table scans and sorts disabled, PostgreSQL walks an index that has the list's order whenever it
    can; for a search the order is one no index has, so the matches are found by the trigram indexes and sorted."""
    params = {"q": "kenji"} | ({"ordering": ordering} if ordering else {})
    searched = UserFilterSet(params, queryset=User.objects.all()).qs
    unfiltered = UserFilterSet({"ordering": ordering} if ordering else {}, queryset=User.objects.all()).qs

    def plan(queryset) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
            try:
                return queryset[:50].explain()
            finally:
                cursor.execute("RESET enable_seqscan")
                cursor.execute("RESET enable_sort")

    ordered_indexes = ("user_list_order_idx", "accounts_user_email")
    assert any(index in plan(unfiltered) for index in ordered_indexes)
    searched_plan = plan(searched)
    assert not any(index in searched_plan for index in ordered_indexes)
    assert "trgm" in searched_plan


@pytest.mark.parametrize(
    ("params", "narrows"),
    [
        ({}, False),
        ({"ordering": "-email"}, False),
        ({"q": "   ", "department": "", "is_active": ""}, False),
        ({"q": "ad"}, True),
        ({"department": "Sales"}, True),
        ({"is_active": "false"}, True),
        ({"is_active": "true", "ordering": "name"}, True),
        ({"ordering": "password"}, True),  # a form with errors: its rows are counted, not assumed
    ],
)
def test_a_filterset_says_whether_a_filter_narrows_the_rows(people, params, narrows):
    """What a list that knows its unfiltered count relies on (core.filters.FilterSet.filters_rows): when no filter
    narrows, the rows are every row of the queryset."""
    filterset = UserFilterSet(params, queryset=User.objects.all())
    assert filterset.filters_rows() is narrows
    if not narrows:
        assert filterset.qs.count() == User.objects.count()
