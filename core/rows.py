"""Many rows that point at few related objects, read without building those objects once per row.

`select_related` builds every related object again for every row: the licenses of a page of 50 users are some 150
rows that point at a handful of pools, products, subscriptions and admins, and building 750 model instances took
more time than the database took to send them (README, "API lists and their counts"). `rows_sharing` reads the same
columns in the same single statement, as tuples, and builds each related object once per primary key.
"""

from collections.abc import Sequence

from django.db.models import Model, QuerySet


def rows_sharing(queryset: QuerySet, related: Sequence[str]) -> list[Model]:
    """The rows of `queryset` as model instances, each with its annotations, and with the objects at `related`
    (select_related paths, each after its parent: "pool", "pool__product") cached on them as select_related would,
    but built once per primary key and shared by every row that points at them (treat them as read-only)."""
    model = queryset.model
    own = [field.attname for field in model._meta.concrete_fields]
    annotations = list(queryset.query.annotations)
    parts = []
    for path in related:
        owner, field = model, None
        for name in path.split("__"):
            field = owner._meta.get_field(name)
            owner = field.related_model
        parts.append((path, field, owner, [each.attname for each in owner._meta.concrete_fields]))
    columns = own + annotations + [f"{path}__{attname}" for path, _, _, attnames in parts for attname in attnames]
    shared: dict[str, dict] = {path: {} for path in related}
    rows = []
    for values in queryset.values_list(*columns):
        row = model.from_db(queryset.db, own, values[: len(own)])
        for name, value in zip(annotations, values[len(own) : len(own) + len(annotations)], strict=True):
            setattr(row, name, value)
        built: dict[str, Model | None] = {"": row}
        start = len(own) + len(annotations)
        for path, field, owner, attnames in parts:
            fields = values[start : start + len(attnames)]
            start += len(attnames)
            key = fields[attnames.index(owner._meta.pk.attname)]
            if key is None:  # a nullable foreign key that is empty
                built[path] = None
            elif key in shared[path]:
                built[path] = shared[path][key]
            else:
                built[path] = shared[path][key] = owner.from_db(queryset.db, attnames, fields)
            parent = built[path.rpartition("__")[0]]
            if parent is not None:
                field.set_cached_value(parent, built[path])
        rows.append(row)
    return rows
