"""The query options of the Graph endpoint: `$filter` (the subset licensing scripts use, parsed by odata-query and
translated here to a Django Q), `$select`, `$top`, `$count` and `$skiptoken`. Anything outside the subset is a
ValidationFailed (a clean 400, never ignored): README, "Microsoft Graph compatibility"."""

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db.models import Q
from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from core.errors import ValidationFailed

MAX_FILTER_LENGTH = 2000
DEFAULT_TOP = 100
MAX_TOP = 999


class UnsupportedQuery(ValidationFailed):
    """A query option or `$filter` clause outside what the endpoint supports (Graph's Request_UnsupportedQuery)."""


# `$filter` properties of a user: the lookup of each, by what a clause may do with it.
USER_TEXT = {
    "displayName": "display_name",
    "userPrincipalName": "principal_name",  # annotated by the users selector: user name, else email
    "mail": "email",
    "department": "department",
    "usageLocation": "usage_location",
    "jobTitle": "job_title",
}
STARTSWITH = {"displayName", "userPrincipalName", "mail", "givenName", "surname"}


@dataclass(frozen=True)
class UserFilter:
    """Turns a `$filter` over users into a Q. `holding_sku(sku_id)` is the Q of the users who hold that product
    (narrowed by the caller to the licenses its reader may see)."""

    holding_sku: Callable[[uuid.UUID], Q]

    def read(self, text: str) -> "UsersFiltered":
        if len(text) > MAX_FILTER_LENGTH:
            raise ValidationFailed(f"$filter is longer than {MAX_FILTER_LENGTH:,} characters.")
        if "\x00" in text:  # PostgreSQL refuses a NUL in a query
            raise ValidationFailed("Invalid filter clause: it contains a NUL character.")
        try:
            tree = ODataParser().parse(ODataLexer().tokenize(text))
        except (ODataException, ValueError, TypeError) as error:
            raise ValidationFailed(f"Invalid filter clause: {error}", filter=text) from error
        except AttributeError as error:
            # With sly 0.5 (odata-query asks for < 0.5), describing a token it cannot read fails in its turn.
            raise ValidationFailed("Invalid filter clause: it cannot be read.", filter=text) from error
        if tree is None:
            raise ValidationFailed("Invalid filter clause: it is empty.", filter=text)
        q = self._node(tree)
        return UsersFiltered(
            q, _guid(tree.lambda_.expression.right) if isinstance(tree, ast.CollectionLambda) else None
        )

    def _node(self, node: ast._Node) -> Q:
        if isinstance(node, ast.BoolOp):
            left, right = self._node(node.left), self._node(node.right)
            return left & right if isinstance(node.op, ast.And) else left | right
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._startswith(node)
        if isinstance(node, ast.CollectionLambda):
            return self._any_license(node)
        raise _unsupported(node)

    def _compare(self, node: ast.Compare) -> Q:
        name = _property(node.left)
        if isinstance(node.comparator, ast.In) and name == "id":
            if not isinstance(node.right, ast.List):
                raise _unsupported(node)
            return Q(public_id__in=[_guid(value) for value in node.right.val])
        if not isinstance(node.comparator, ast.Eq):
            raise _unsupported(node)
        if name == "id":
            return Q(public_id=_guid(node.right))
        if name == "accountEnabled" and isinstance(node.right, ast.Boolean):
            return Q(is_active=node.right.py_val)
        if name in USER_TEXT:
            return Q(**{f"{USER_TEXT[name]}__iexact": _text(node.right)})
        raise _unsupported(node)

    def _startswith(self, node: ast.Call) -> Q:
        if node.func.name != "startswith" or len(node.args) != 2:
            raise _unsupported(node)
        name, prefix = _property(node.args[0]), _text(node.args[1])
        if name not in STARTSWITH:
            raise _unsupported(node)
        if name == "givenName":  # the first word of the display name
            return Q(display_name__istartswith=prefix)
        if name == "surname":  # its last word
            return Q(display_name__iregex=r"\s" + _regex_literal(prefix) + r"\S*$")
        return Q(**{f"{USER_TEXT[name]}__istartswith": prefix})

    def _any_license(self, node: ast.CollectionLambda) -> Q:
        """`assignedLicenses/any(x:x/skuId eq <guid>)`, whatever the lambda's variable is called."""
        lambda_ = node.lambda_
        clause = lambda_.expression if lambda_ is not None else None
        if (
            _property(node.owner) != "assignedLicenses"
            or not isinstance(node.operator, ast.Any)
            or not isinstance(clause, ast.Compare)
            or not isinstance(clause.comparator, ast.Eq)
            or clause.left != ast.Attribute(owner=lambda_.identifier, attr="skuId")
        ):
            raise _unsupported(node)
        return self.holding_sku(_guid(clause.right))


@dataclass(frozen=True)
class UsersFiltered:
    """A `$filter` over users as a Q, and `sku_alone`: the skuId when the whole filter is one
    `assignedLicenses/any(…)` clause, whose count the product's pool counters know."""

    q: Q
    sku_alone: uuid.UUID | None


def _property(node: ast._Node) -> str:
    return node.name if isinstance(node, ast.Identifier) and not node.namespace else ""


def _text(node: ast._Node) -> str:
    if not isinstance(node, ast.String):
        raise UnsupportedQuery("Compare a text property with a quoted string.")
    return node.val


def _guid(node: ast._Node) -> uuid.UUID:
    """A GUID literal, bare (as Graph writes a skuId) or quoted (as it writes an id)."""
    try:
        if isinstance(node, ast.GUID | ast.String):
            return uuid.UUID(node.val)
    except ValueError:
        pass
    raise ValidationFailed("Expected a GUID.", value=getattr(node, "val", None))


def _regex_literal(text: str) -> str:
    # re.escape's output is not portable to PostgreSQL's regular expressions for every character: escape only
    # what both treat as special.
    return "".join(f"\\{char}" if char in r".^$*+?()[]{}|\-" else char for char in text)


def _unsupported(node: ast._Node) -> UnsupportedQuery:
    return UnsupportedQuery(
        "This filter is not supported: see README, 'Microsoft Graph compatibility', for the clauses that are.",
        clause=type(node).__name__,
    )


@dataclass(frozen=True)
class ListQuery:
    """The query options of a list request, validated."""

    filter: str | None
    select: list[str] | None
    top: int
    count: bool
    after: int | None  # $skiptoken: the last row of the previous page


def list_query(params: Mapping[str, str], *, selectable: Collection[str], filterable: bool) -> ListQuery:
    """Read a list request's `$` options; any other `$` option, or a value out of range, is ValidationFailed."""
    options_only(params, "$select", "$top", "$count", "$skiptoken", *(["$filter"] if filterable else []))
    return ListQuery(
        filter=params.get("$filter") or None,
        select=selected(params, selectable),
        top=_top(params.get("$top")),
        count=_count(params.get("$count")),
        after=_skiptoken(params.get("$skiptoken")),
    )


def options_only(params: Mapping[str, str], *allowed: str) -> None:
    """Refuse any `$` query option but `allowed`: an option is never silently ignored."""
    unknown = sorted(name for name in params if name.startswith("$") and name not in allowed)
    if unknown:
        raise UnsupportedQuery(f"Query option not supported here: {', '.join(unknown)}.", options=unknown)


def selected(params: Mapping[str, str], selectable: Collection[str]) -> list[str] | None:
    """The properties of `$select` (None without it); an unknown one is ValidationFailed, as Graph refuses it."""
    text = params.get("$select")
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in selectable]
    if unknown or not names:
        raise ValidationFailed(f"Could not find a property named '{(unknown or [text])[0]}'.", select=text)
    return list(dict.fromkeys(names))


def _top(text: str | None) -> int:
    if text is None:
        return DEFAULT_TOP
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_TOP:
        raise ValidationFailed(f"$top must be a whole number from 1 to {MAX_TOP}.", top=text)
    return int(text)


def _count(text: str | None) -> bool:
    if text is None or text.lower() == "false":
        return False
    if text.lower() == "true":
        return True
    raise ValidationFailed("$count must be true or false.", count=text)


def _skiptoken(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationFailed("Invalid $skiptoken: use the @odata.nextLink as it is.", skiptoken=text)
    return int(text)
