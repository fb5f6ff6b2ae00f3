"""SCIM's `filter` (RFC 7644 §3.4.2.2) as a Django Q object. scim2-models parses it (`ScimFilter(...).ast`, the
same library as the resources and PATCH); this module walks the tree and makes each comparison fit the column it
reads, so that the database can use its indexes (the userName lookup compares the lowered identity,
`accounts.models.IDENTITY_KEY`, whose unique index serves it). An attribute or operator outside the table is an
`invalidFilter`, never a comparison silently dropped (which would widen the result)."""

import datetime
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from accounts.emails import normalize_email

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"

# SCIM's string operators on attributes that are not case-exact, as Django lookups.
TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.ne: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}
ORDERED = {CompareOperator.gt, CompareOperator.ge, CompareOperator.lt, CompareOperator.le}


@dataclass(frozen=True)
class Column:
    """What a SCIM attribute is stored as: `text` (a string, "" when absent), `lowered` (a string expression kept in
    lower case), `email` (in its normal form, NULL when absent), `boolean`, `datetime` or `id`."""

    field: str
    kind: str = "text"


Columns = Mapping[tuple[str, str | None, str | None], Column]


def filter_q(scim_filter: str, columns: Columns) -> Q:
    """The Q object of a SCIM filter over `columns` (keyed by attribute, sub-attribute and schema URN);
    InvalidFilterException for one that does not parse or asks what cannot be answered."""
    tree = ScimFilter(scim_filter).ast  # InvalidFilterException when it does not parse
    try:
        return _q(tree, _lowered(columns), within=None)
    except ValueError as error:
        raise InvalidFilterException(filter=scim_filter, detail=str(error)) from error


def _lowered(columns: Columns) -> dict:
    return {tuple(part.lower() if part else None for part in key): column for key, column in columns.items()}


def _q(node: FilterNode, columns: dict, *, within: str | None) -> Q:
    if isinstance(node, LogicalExpr):
        combine = operator.and_ if node.op == LogicalOperator.and_ else operator.or_
        return reduce(combine, (_q(term, columns, within=within) for term in node.terms))
    if isinstance(node, Not):
        return ~_q(node.expr, columns, within=within)
    if isinstance(node, ValuePath) and within is None:  # emails[value eq "…"]: the sub-attributes of emails
        return _q(node.val_filter, columns, within=node.attr_path.attr)
    if isinstance(node, Present):
        return _present(_column(node.attr_path, columns, within))
    if isinstance(node, Comparison):
        return _comparison(_column(node.attr_path, columns, within), node.op, node.value)
    raise ValueError(f"{node} cannot be used in a filter here.")


def _column(path: AttrPath, columns: dict, within: str | None) -> Column:
    attr, sub_attr = (within, path.attr) if within else (path.attr, path.sub_attr)
    key = (attr.lower(), sub_attr.lower() if sub_attr else None, path.uri.lower() if path.uri else None)
    if key not in columns:
        raise ValueError(f"Filtering on {path if not within else f'{within}.{path}'} is not supported.")
    return columns[key]


def _present(column: Column) -> Q:
    if column.kind == "text":
        return ~Q(**{column.field: ""})
    return Q(**{f"{column.field}__isnull": False})


def _comparison(column: Column, op: CompareOperator, value) -> Q:
    if column.kind in ("boolean", "datetime", "id"):
        if op not in (CompareOperator.eq, CompareOperator.ne) and (column.kind != "datetime" or op not in ORDERED):
            raise ValueError(f"{op.value} does not apply to {column.kind} attributes.")
        lookup = "exact" if op in (CompareOperator.eq, CompareOperator.ne) else TEXT_LOOKUPS[op]
        query = Q(**{f"{column.field}__{lookup}": _typed(column, value)})
    else:
        if not isinstance(value, str):
            raise ValueError(f"Compare {column.field} with a string.")
        query = _text(column, op, value)
    return ~query if op == CompareOperator.ne else query


def _text(column: Column, op: CompareOperator, value: str) -> Q:
    lookup = TEXT_LOOKUPS[op]
    if column.kind == "lowered":  # the stored expression is lower case: compare case-sensitively, index and all
        return Q(**{f"{column.field}__{lookup.removeprefix('i')}": value.lower()})
    if column.kind == "email" and lookup == "iexact":
        return Q(**{column.field: normalize_email(value)})
    return Q(**{f"{column.field}__{lookup}": value})


def _typed(column: Column, value):
    if column.kind == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError("Compare a boolean attribute with true or false.")
    if column.kind == "id":
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value)
        return 0  # ids are positive: no resource has this one
    moment = (
        value if isinstance(value, datetime.datetime) else parse_datetime(value) if isinstance(value, str) else None
    )
    if moment is None:
        raise ValueError(f"Not a date and time: {value!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
