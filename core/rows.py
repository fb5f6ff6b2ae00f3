"""Many rows that point at few related objects, read without building those objects once per row.

`select_related` builds every related object again for every row: the licenses of a page of 50 users are some 150
rows that point at a handful of pools, products, subscriptions and admins, and building 750 model instances took
more time than the database took to send them (README, "API lists and their counts"). The rows are read in the same
single statement, as tuples, and each related object is built once per primary key (`SharedRelated`).
"""

from collections.abc import Iterable, Sequence

from django.db import router
from django.db.models import Model


class SharedRelated:
    """The objects at `related` (select_related paths from `model`, each after its parent: "pool",
    "pool__product") built from their columns once per primary key, and cached on the rows that point at them
    as select_related would (shared: treat them as read-only). `shared` lets rows of another model, whose paths
    lead to the same models, share the same objects."""

    def __init__(self, model: type[Model], related: Sequence[str], shared: dict | None = None) -> None:
        self.parts = []
        for path in related:
            owner, field = model, None
            for name in path.split("__"):
                field = owner._meta.get_field(name)
                owner = field.related_model
            self.parts.append((path, field, owner, [each.attname for each in owner._meta.concrete_fields]))
        self.shared = shared if shared is not None else {}

    @property
    def columns(self) -> list[str]:
        """The columns to read, in the order `attach` takes their values."""
        return [f"{path}__{attname}" for path, _, _, attnames in self.parts for attname in attnames]

    def attach(self, row: Model, values: Sequence) -> None:
        """Build (or find) the related objects of `row` from `values` (of `columns`) and cache them on it."""
        built: dict[str, Model | None] = {"": row}
        start = 0
        for path, field, owner, attnames in self.parts:
            fields = values[start : start + len(attnames)]
            start += len(attnames)
            key = fields[attnames.index(owner._meta.pk.attname)]
            objects = self.shared.setdefault(owner, {})
            if key is None:  # a nullable foreign key that is empty
                built[path] = None
            elif key in objects:
                built[path] = objects[key]
            else:
                built[path] = objects[key] = owner.from_db(row._state.db, attnames, fields)
            parent = built[path.rpartition("__")[0]]
            if parent is not None:
                field.set_cached_value(parent, built[path])


def own_columns(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def rows_built(
    model: type[Model], rows: Iterable[Sequence], annotations: Sequence[str] = (), related: SharedRelated | None = None
) -> list[Model]:
    """Instances of `model` from rows of the values of its own_columns, then of its `annotations`, then of
    `related.columns` (the rows of a statement compiled once, say: core.sql.statement_once)."""
    db = router.db_for_read(model)
    split = len(own_columns(model)) + len(annotations)
    built = []
    for values in rows:
        row = row_of(model, db, values[:split], annotations)
        if related is not None:
            related.attach(row, values[split:])
        built.append(row)
    return built


def row_of(model: type[Model], db: str, values: Sequence, annotations: Sequence[str] = ()) -> Model:
    """An instance of `model` from the values of its own_columns, then of its `annotations`."""
    own = own_columns(model)
    row = model.from_db(db, own, values[: len(own)])
    for name, value in zip(annotations, values[len(own) :], strict=True):
        setattr(row, name, value)
    return row
