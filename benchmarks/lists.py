"""The list pages of `make bench` besides User License Assignments (issue 17): Users, the groups, a group's members
and the audit log, each measured like the first (server time, queries, and the ratio to its own SQL floor)."""

from typing import TYPE_CHECKING

from accounts.models import Group
from licensing.demo import DEMO_GROUP

if TYPE_CHECKING:  # the harness calls these scenarios with itself
    from .harness import Bench


def other_lists(bench: "Bench") -> None:
    directors = Group.objects.get(name=DEMO_GROUP.name)
    bench.page("users: page 1", "/users/")
    bench.page("users: filtered by product", "/users/?product=OFFICESERIES_E5")
    bench.page("groups: page 1", "/groups/")
    bench.page(f"group members: page 1 of {directors.name}", f"/groups/{directors.pk}/")
    bench.page("audit log: page 1", f"/subscriptions/{bench.subscription.pk}/audit/")
