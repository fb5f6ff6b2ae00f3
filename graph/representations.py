"""The admin center's users, groups and products as Microsoft Graph's resources (user, group, subscribedSku,
licenseDetails), with Graph's property names. A resource lists only the properties of `$select` when it is given."""

from collections.abc import Callable, Iterable

from django.conf import settings

from accounts.choices import GroupKind
from accounts.models import Group, User
from core.serializers import iso_datetime
from licensing.models import Product, ServicePlan
from licensing.selectors.skus import SubscribedSku, UserSku


def _name_words(user: User) -> list[str]:
    return user.display_name.split()


USER_PROPERTIES: dict[str, Callable[[User], object]] = {
    "id": lambda user: str(user.public_id),
    "displayName": lambda user: user.display_name or user.label,
    "givenName": lambda user: _name_words(user)[0] if len(_name_words(user)) > 1 else None,
    "surname": lambda user: _name_words(user)[-1] if len(_name_words(user)) > 1 else None,
    "userPrincipalName": lambda user: user.identity,
    "mail": lambda user: user.email,
    "accountEnabled": lambda user: user.is_active,
    "department": lambda user: user.department or None,
    "jobTitle": lambda user: user.job_title or None,
    "usageLocation": lambda user: user.usage_location or None,
    "createdDateTime": lambda user: iso_datetime(user.created_at),
}
# The properties read from the user's licenses, at a few more queries per page: only when selected.
LICENSE_PROPERTIES = ["assignedLicenses", "assignedPlans", "licenseAssignmentStates"]
USER_SELECTABLE = [*USER_PROPERTIES, *LICENSE_PROPERTIES]


def wants_licenses(select: list[str] | None) -> bool:
    return select is None or any(name in LICENSE_PROPERTIES for name in select)


def user_resource(user: User, skus: list[UserSku] | None, select: list[str] | None = None) -> dict:
    """A Graph user: every property of USER_SELECTABLE, or those of `select` (`skus` are needed only for the
    license properties)."""
    names = select or USER_SELECTABLE
    resource = {name: USER_PROPERTIES[name](user) for name in names if name in USER_PROPERTIES}
    held = [sku for sku in skus or () if sku.held]
    licenses = {
        "assignedLicenses": lambda: [assigned_license(sku.product, sku.disabled_plans) for sku in held],
        "assignedPlans": lambda: [plan for sku in held for plan in _assigned_plans(sku)],
        "licenseAssignmentStates": lambda: [state for sku in skus or () for state in _assignment_states(sku)],
    }
    resource.update({name: licenses[name]() for name in names if name in licenses})
    return resource


def assigned_license(product: Product, disabled_plans: Iterable[str]) -> dict:
    return {"skuId": str(product.sku_id), "disabledPlans": list(disabled_plans)}


def _assigned_plans(sku: UserSku) -> list[dict]:
    assigned = iso_datetime(sku.assigned_at)
    disabled = set(sku.disabled_plans)
    return [
        {"assignedDateTime": assigned, "capabilityStatus": "Enabled", "service": plan.name, "servicePlanId": plan.key}
        for plan in sku.plans
        if plan.key not in disabled
    ]


def _assignment_states(sku: UserSku) -> list[dict]:
    """One state per source of the product: held ones Active, a place in a group's line an Error of
    CountViolation (Graph's state of a group license that found no free license)."""
    return [
        {
            "skuId": str(sku.product.sku_id),
            "disabledPlans": list(source.disabled_plans),
            "assignedByGroup": str(source.group) if source.group is not None else None,
            "state": "Error" if source.waiting else "Active",
            "error": "CountViolation" if source.waiting else "None",
            "lastUpdatedDateTime": iso_datetime(source.since),
        }
        for source in sku.sources
    ]


def _service_plan(plan: ServicePlan, *, disabled: bool = False) -> dict:
    return {
        "servicePlanId": plan.key,
        "servicePlanName": plan.name,
        "provisioningStatus": "Disabled" if disabled else "Success",
        "appliesTo": "User",
    }


def license_details_resource(user: User, sku: UserSku) -> dict:
    """Graph's licenseDetails of one product the user holds: its plans, those switched off as Disabled."""
    disabled = set(sku.disabled_plans)
    return {
        "id": f"{user.public_id}_{sku.product.sku_id}",
        "skuId": str(sku.product.sku_id),
        "skuPartNumber": sku.product.sku_part_number,
        "servicePlans": [_service_plan(plan, disabled=plan.key in disabled) for plan in sku.plans],
    }


# Graph's capabilityStatus and prepaidUnits of a subscription status.
CAPABILITY = {"active": "Enabled", "warning": "Warning", "suspended": "Suspended", "expired": "LockedOut"}
UNITS = {"active": "enabled", "warning": "warning", "suspended": "suspended", "expired": "lockedOut"}


def subscribed_sku_id(product: Product) -> str:
    return f"{settings.GRAPH_ACCOUNT_ID}_{product.sku_id}"


SKU_SELECTABLE = [
    "id",
    "accountId",
    "accountName",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
]


def subscribed_sku_resource(sku: SubscribedSku, select: list[str] | None = None) -> dict:
    resource = {
        "id": subscribed_sku_id(sku.product),
        "accountId": settings.GRAPH_ACCOUNT_ID,
        "accountName": settings.GRAPH_ACCOUNT_NAME,
        "appliesTo": "User",
        "capabilityStatus": CAPABILITY[sku.status],
        "consumedUnits": sku.consumed,
        "prepaidUnits": {UNITS[status]: units for status, units in sku.units.items()},
        "servicePlans": [_service_plan(plan) for plan in sku.plans],
        "skuId": str(sku.product.sku_id),
        "skuPartNumber": sku.product.sku_part_number,
        "subscriptionIds": [str(pk) for pk in sku.subscription_ids],
    }
    return {name: resource[name] for name in select} if select else resource


GROUP_PROPERTIES: dict[str, Callable[[Group], object]] = {
    "id": lambda group: str(group.public_id),
    "displayName": lambda group: group.name,
    "description": lambda group: group.description or None,
    "groupTypes": lambda group: ["DynamicMembership"] if group.kind == GroupKind.DYNAMIC else [],
    "mailEnabled": lambda group: False,
    "securityEnabled": lambda group: True,
    "createdDateTime": lambda group: iso_datetime(group.created_at),
}
GROUP_SELECTABLE = [*GROUP_PROPERTIES, "assignedLicenses"]


def group_resource(group: Group, licenses: list[tuple[Product, list[str]]], select: list[str] | None = None) -> dict:
    names = select or GROUP_SELECTABLE
    resource = {name: GROUP_PROPERTIES[name](group) for name in names if name in GROUP_PROPERTIES}
    if "assignedLicenses" in names:
        resource["assignedLicenses"] = [assigned_license(product, disabled) for product, disabled in licenses]
    return resource


def member_resource(user: User, select: list[str] | None = None) -> dict:
    """A group's member as a directoryObject: a user, typed so that clients read it as one."""
    return {"@odata.type": "#microsoft.graph.user", **user_resource(user, None, select or list(USER_PROPERTIES))}
