"""core.sql.compiled_once: an annotation's SQL built once per key, and the same rows as the expression it stands for."""

from django.db.models import Count, OuterRef, Subquery

from accounts.models import User
from core.sql import compiled_once
from licensing.models import LicenseAssignment


def _licenses_held(pool_ids: list[int]) -> Subquery:
    """How many of `pool_ids` the outer user holds."""
    held = (
        LicenseAssignment.objects.filter(user=OuterRef("pk"), pool_id__in=pool_ids)
        .order_by()
        .values("user")
        .annotate(held=Count("pk"))
        .values("held")
    )
    return Subquery(held)


def test_the_compiled_annotation_gives_each_row_what_the_expression_gives(org):
    pool_ids = [org.pool_e3.pk]
    users = User.objects.order_by("pk")

    expected = list(users.annotate(held=_licenses_held(pool_ids)).values_list("pk", "held"))
    compiled = compiled_once(User, object(), lambda: _licenses_held(pool_ids))

    assert list(users.annotate(held=compiled).values_list("pk", "held")) == expected
    assert (org.alex.pk, 1) in expected


def test_an_expression_is_built_once_per_key(org):
    built = []

    def build(pool_ids: list[int]):
        built.append(pool_ids)
        return _licenses_held(pool_ids)

    key, other_key = object(), object()  # keys no other test uses
    for _ in range(3):
        compiled_once(User, key, lambda: build([org.pool_e3.pk]))
    other = compiled_once(User, other_key, lambda: build([-1]))

    assert built == [[org.pool_e3.pk], [-1]]
    assert not User.objects.annotate(held=other).filter(held__isnull=False).exists()
