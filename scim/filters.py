"""SCIM's `filter` (RFC 7644 §3.4.2.2) as a Django Q object: parsed by scim2-filter-parser, then each comparison
made to fit the column it reads, so that the database can use its indexes (the userName lookup compares the lowered
identity, `accounts.models.IDENTITY_KEY`, whose unique index serves it)."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import Transpiler
from scim2_models import InvalidFilterException

from accounts.emails import normalize_email

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"


@dataclass(frozen=True)
class Column:
    """What a SCIM attribute is stored as: `text` (a string, "" when absent), `lowered` (a string expression kept in
    lower case), `email` (in its normal form, NULL when absent), `boolean`, `datetime` or `id`."""

    field: str
    kind: str = "text"


class UnknownAttribute(Exception):
    pass


class _Transpiler(Transpiler):
    """The library's transpiler, refusing attributes it does not know instead of dropping their comparison (which
    would widen the result)."""

    def visit_AttrPath(self, node):
        column = super().visit_AttrPath(node)
        if column is None:
            raise UnknownAttribute(
                ".".join(part for part in (node.attr_name, getattr(node.sub_attr, "value", None)) if part)
            )
        return column


def filter_q(scim_filter: str, columns: Mapping[tuple[str, str | None, str | None], Column]) -> Q:
    """The Q object of a SCIM filter over `columns` (keyed by attribute, sub-attribute and schema URN, as
    scim2-filter-parser's attribute map); InvalidFilterException for one that does not parse or names an attribute
    that cannot be filtered on."""
    by_field = {column.field: column for column in columns.values()}
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(scim_filter))
        if tree is None:
            raise SCIMParserError("empty filter")
        query = _Transpiler({key: column.field for key, column in columns.items()}).transpile(tree)
        return _fitted(query, by_field)
    except SCIMParserError as error:
        raise InvalidFilterException(detail=f"The filter does not parse: {error}") from error
    except UnknownAttribute as error:
        raise InvalidFilterException(detail=f"Filtering on {error} is not supported.") from error
    except (ValueError, NotImplementedError) as error:
        raise InvalidFilterException(detail=str(error)) from error


def _fitted(query: Q, by_field: Mapping[str, Column]) -> Q:
    fitted = Q(
        *(
            _fitted(child, by_field) if isinstance(child, Q) else _comparison(*child, by_field)
            for child in query.children
        )
    )
    fitted.connector, fitted.negated = query.connector, query.negated
    return fitted


def _comparison(key: str, value, by_field: Mapping[str, Column]) -> Q:
    field, _, lookup = key.rpartition("__")
    column = by_field[field]
    if lookup == "isnull":  # `pr`: present, which an empty string is not
        return ~Q(**{field: ""}) if column.kind == "text" else Q(**{key: False})
    if column.kind in ("boolean", "datetime", "id"):
        return Q(**{f"{field}__{_exact(lookup)}": _typed(column, value)})
    if not isinstance(value, str):
        raise ValueError(f"Compare {field} with a string.")
    if column.kind == "lowered":
        return Q(**{f"{field}__{_case_sensitive(lookup)}": value.lower()})
    if column.kind == "email" and lookup == "iexact":
        return Q(**{field: normalize_email(value)})
    return Q(**{key: value})


def _case_sensitive(lookup: str) -> str:
    return lookup.removeprefix("i") if lookup in ("iexact", "icontains", "istartswith", "iendswith") else lookup


def _exact(lookup: str) -> str:
    if lookup in ("icontains", "istartswith", "iendswith"):
        raise ValueError("co, sw and ew compare strings only.")
    return "exact" if lookup == "iexact" else lookup


def _typed(column: Column, value):
    if column.kind == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError("Compare a boolean attribute with true or false.")
    if column.kind == "id":
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value)
        return 0  # ids are positive: no resource has this one
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise ValueError(f"Not a date and time: {value!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
