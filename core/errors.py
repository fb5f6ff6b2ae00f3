"""The one set of domain errors. Web, API and CLI map each `code` to their own form (docs/architecture.md)."""

from typing import Any


class DomainError(Exception):
    """A refused operation: a stable `code`, a human `message` and machine-readable `details`."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(DomainError):
    code = "validation_error"
    http_status = 400


class AlreadyExists(ValidationFailed):
    """A create or rename that would take an identity or name already in use (SCIM's `uniqueness`)."""


class NotEnoughLicenses(DomainError):
    code = "not_enough_licenses"
    http_status = 409

    def __init__(self, *, sku: str, product: str, requested: int, available: int, **extra: Any) -> None:
        line = (
            f" {extra['waiting']:,} group members wait in line and get the next free licenses."
            if extra.get("waiting")
            else ""
        )
        super().__init__(
            f"Not enough {product} licenses: needs {requested:,}, {available:,} available.{line}",
            sku=sku,
            requested=requested,
            available=available,
            **extra,
        )


class SubscriptionNotActive(DomainError):
    code = "subscription_not_active"
    http_status = 409

    def __init__(self, *, subscription: str, status: str) -> None:
        super().__init__(
            f"Subscription {subscription} is {status}: licenses can be unassigned but not assigned.",
            subscription=subscription,
            status=status,
        )


class LicenseInherited(DomainError):
    """A license that a user holds through groups cannot be removed from the user: remove them from the groups, or
    the product from the groups."""

    code = "license_inherited"
    http_status = 409

    def __init__(self, *, sku: str, product: str, user: str, groups: list[dict[str, Any]]) -> None:
        names = ", ".join(group["name"] for group in groups)
        super().__init__(
            f"{user} has {product} from group {names}: it cannot be removed from the user directly. Remove them "
            "from the group, or the product from the group.",
            sku=sku,
            user=user,
            groups=groups,
        )


class LicensesReclaimed(DomainError):
    """A disabled account whose licenses the reclaim job took gets none directly until it is enabled again."""

    code = "licenses_reclaimed"
    http_status = 409

    def __init__(self, *, users: list[str]) -> None:
        more = f" and {len(users) - 1:,} more" if len(users) > 1 else ""
        super().__init__(
            f"The licenses of the disabled account {users[0]}{more} were reclaimed: enable the account first.",
            users=users,
        )


class ProductNotInSubscription(DomainError):
    code = "product_not_in_subscription"
    http_status = 400

    def __init__(self, *, subscription: str, skus: list[str]) -> None:
        super().__init__(
            f"Subscription {subscription} has no licenses of: {', '.join(skus)}.",
            subscription=subscription,
            skus=skus,
        )


class QuantityBelowAssigned(DomainError):
    code = "quantity_below_assigned"
    http_status = 409

    def __init__(self, *, sku: str, product: str, quantity: int, assigned: int) -> None:
        must_unassign = assigned - quantity
        super().__init__(
            f"{product} has {assigned:,} licenses assigned: unassign {must_unassign:,} before lowering the quantity "
            f"to {quantity:,}.",
            sku=sku,
            quantity=quantity,
            assigned=assigned,
            must_unassign=must_unassign,
        )


class StatusChangeNotAllowed(DomainError):
    code = "status_change_not_allowed"
    http_status = 409

    def __init__(self, message: str, *, subscription: str, status: str, requested: str, allowed: list[str]) -> None:
        super().__init__(message, subscription=subscription, status=status, requested=requested, allowed=allowed)


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403

    def __init__(self, message: str = "Your admin role does not allow this.", **details: Any) -> None:
        super().__init__(message, **details)


class NotFound(DomainError):
    code = "not_found"
    http_status = 404

    def __init__(self, message: str = "Not found.", **details: Any) -> None:
        super().__init__(message, **details)


class PreconditionFailed(DomainError):
    """A write built on a stale read: what it expected to change has changed since (the API's If-Match)."""

    code = "precondition_failed"
    http_status = 412
