"""The license files of import_assignments: each row checked, then resolved to a user, a subscription in the
actor's scope and a product the subscription has licenses of, before anything is written (core.csv_io reads them)."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accounts.models import User, UserManager
from accounts.selectors import email_error, users_by_email
from core.csv_io import Parsed, RowError, duplicate_row, read_rows
from core.errors import DomainError, NotFound
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import subscription_resolve

from .models import LicensePool, Product, Subscription

ASSIGNMENT_COLUMNS = ("email", "subscription", "sku", "action")
ACTIONS = ("assign", "unassign")


@dataclass(frozen=True)
class AssignmentRow:
    line: int
    email: str
    subscription: str
    sku: str
    action: str


@dataclass(frozen=True)
class ResolvedAssignment:
    line: int
    user: User
    subscription: Subscription
    product: Product
    action: str


def assignment_rows(path: str | Path) -> Parsed:
    """The license changes of an import file; one user, subscription and product may appear only once."""
    _, parsed = read_rows(path, required=ASSIGNMENT_COLUMNS)
    result = Parsed(errors=parsed.errors)
    seen: dict[tuple[str, str, str], int] = {}
    for row in parsed.rows:
        email = UserManager.normalize_email(row.values["email"])
        action = row.values["action"].lower()
        problems = [email_error(email)]
        problems += [f"{name} is missing" for name in ("subscription", "sku") if not row.values[name]]
        if action not in ACTIONS:
            problems.append(f"action {row.values['action']!r}: use {' or '.join(ACTIONS)}")
        problems = [problem for problem in problems if problem]
        key = (email, row.values["subscription"].lower(), row.values["sku"].upper())
        if problems:
            result.errors.extend(RowError(row.line, problem) for problem in problems)
        elif duplicate := duplicate_row(seen, key, row.line):
            result.errors.append(duplicate)
        else:
            result.rows.append(AssignmentRow(row.line, email, row.values["subscription"], row.values["sku"], action))
    result.errors.sort(key=lambda error: error.line)
    return result


def assignments_resolve(rows: Iterable[AssignmentRow], *, actor: User | None) -> Parsed:
    """Find each row's user, subscription (within the actor's scope) and product, and check that the
    subscription has a pool of that product; every row that fails says why."""
    rows = list(rows)
    users = users_by_email(emails=[row.email for row in rows])
    subscriptions = _resolved(
        {row.subscription for row in rows}, lambda name: subscription_resolve(actor=actor, identifier=name)
    )
    products = _resolved({row.sku for row in rows}, lambda sku: products_resolve(identifiers=[sku])[0])
    pools = set(
        LicensePool.objects.filter(
            subscription__in=[s for s in subscriptions.values() if isinstance(s, Subscription)],
            product__in=[p for p in products.values() if isinstance(p, Product)],
        ).values_list("subscription_id", "product_id")
    )
    result = Parsed()
    for row in rows:
        user, subscription, product = users.get(row.email), subscriptions[row.subscription], products[row.sku]
        problems = [] if user else [RowError(row.line, f"no user with email {row.email}", NotFound.code)]
        problems += [
            RowError(row.line, found.message, found.code)
            for found in (subscription, product)
            if isinstance(found, DomainError)
        ]
        if not problems and (subscription.pk, product.pk) not in pools:
            problems.append(
                RowError(
                    row.line,
                    f"subscription {subscription.name} has no {product.sku_part_number} licenses",
                    "product_not_in_subscription",
                )
            )
        if problems:
            result.errors.extend(problems)
        else:
            result.rows.append(ResolvedAssignment(row.line, user, subscription, product, row.action))
    return result


def _resolved(identifiers: Iterable[str], resolve) -> dict[str, Any]:
    """Each identifier with what it resolves to, or the domain error saying why it does not."""
    found: dict[str, Any] = {}
    for identifier in identifiers:
        try:
            found[identifier] = resolve(identifier)
        except DomainError as error:
            found[identifier] = error
    return found
