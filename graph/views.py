"""The `/graph/v1.0/` endpoints: what Microsoft Graph's licensing scripts and msgraph-sdk call, as thin views over
the admin center's selectors and services (README, "Microsoft Graph compatibility"). Same bearer tokens, roles and
scope as the REST API; every change is audited with source `graph`."""

import uuid
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Group, User
from accounts.selectors import group_member_count, group_members, groups_visible, user_of_directory, users_directory
from core.audit import Actor
from core.choices import Source
from core.errors import NotFound, ValidationFailed
from licensing.models import Product
from licensing.selectors.products import products_resolve
from licensing.selectors.skus import (
    groups_skus,
    holders_of_sku,
    holders_of_sku_count,
    subscribed_skus,
    user_skus,
    users_skus,
)
from licensing.services.skus import group_skus_change, user_skus_change
from officeseries.api.authentication import BearerTokenAuthentication, IsAdmin

from .errors import exception_handler
from .odata import ListQuery, UserFilter, list_query, options_only, selected
from .representations import (
    GROUP_SELECTABLE,
    SKU_SELECTABLE,
    USER_PROPERTIES,
    USER_SELECTABLE,
    group_resource,
    license_details_resource,
    member_resource,
    subscribed_sku_id,
    subscribed_sku_resource,
    user_resource,
    wants_licenses,
)


class GraphView(APIView):
    """Bearer tokens only (no session, so no CSRF), admins only, Graph's error body, out of the REST API's schema."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAdmin]
    schema = None

    def get_exception_handler(self):
        return exception_handler

    @property
    def actor(self) -> Actor:
        return Actor(self.request.user, Source.GRAPH)

    def only_options(self, *allowed: str) -> None:
        options_only(self.request.query_params, *allowed)

    def context(self, fragment: str) -> str:
        return self.request.build_absolute_uri(f"/graph/v1.0/$metadata#{fragment}")

    def collection(
        self, fragment: str, queryset: QuerySet, query: ListQuery, resource, count: Callable[[], int] | None = None
    ) -> Response:
        """A page of `queryset` in primary-key order after `$skiptoken`, with @odata.count when asked (from `count`
        when the caller knows it without counting the rows) and an absolute @odata.nextLink that repeats the whole
        query (a page iterator sends nothing else)."""
        body: dict = {"@odata.context": self.context(fragment)}
        if query.count:
            body["@odata.count"] = count() if count is not None else queryset.count()
        page = queryset.order_by("pk")
        if query.after is not None:
            page = page.filter(pk__gt=query.after)
        rows = list(page[: query.top + 1])
        if len(rows) > query.top:
            rows = rows[: query.top]
            params = self.request.query_params.copy()
            params["$skiptoken"] = str(rows[-1].pk)
            body["@odata.nextLink"] = self.request.build_absolute_uri(
                f"{self.request.path}?{params.urlencode(safe='$,()')}"
            )
        body["value"] = resource(rows)
        return Response(body)


# --- subscribedSkus


class SubscribedSkusView(GraphView):
    def get(self, request: Request) -> Response:
        self.only_options("$select")
        select = selected(request.query_params, SKU_SELECTABLE)
        skus = subscribed_skus(actor=request.user)
        return Response(
            {
                "@odata.context": self.context("subscribedSkus"),
                "value": [subscribed_sku_resource(sku, select) for sku in skus],
            }
        )


class SubscribedSkuView(GraphView):
    def get(self, request: Request, sku_id: str) -> Response:
        self.only_options("$select")
        select = selected(request.query_params, SKU_SELECTABLE)
        sku = next(
            (sku for sku in subscribed_skus(actor=request.user) if subscribed_sku_id(sku.product) == sku_id), None
        )
        if sku is None:
            raise NotFound(f"Resource '{sku_id}' does not exist.", sku=sku_id)
        return Response(
            {"@odata.context": self.context("subscribedSkus/$entity"), **subscribed_sku_resource(sku, select)}
        )


# --- users


class UsersView(GraphView):
    def get(self, request: Request) -> Response:
        query = list_query(request.query_params, selectable=USER_SELECTABLE, filterable=True)
        users = users_directory(actor=request.user)
        count = None
        if query.filter is not None:
            filtered = UserFilter(holding_sku=self.holders).read(query.filter)
            users = users.filter(filtered.q)
            if filtered.sku_alone is not None:
                count = partial(holders_of_sku_count, sku_id=filtered.sku_alone, actor=request.user)
        return self.collection("users", users, query, lambda rows: self.users(rows, query.select), count)

    def holders(self, sku_id: uuid.UUID) -> Q:
        """The users holding the product, in the licenses the caller may see."""
        return holders_of_sku(sku_id=sku_id, actor=self.request.user)

    def users(self, users: list[User], select: list[str] | None) -> list[dict]:
        skus = (
            users_skus(user_ids=[user.pk for user in users], actor=self.request.user) if wants_licenses(select) else {}
        )
        return [user_resource(user, skus.get(user.pk), select) for user in users]


class UserView(GraphView):
    def get(self, request: Request, key: str | None = None) -> Response:
        self.only_options("$select")
        select = selected(request.query_params, USER_SELECTABLE)
        user = request.user if key is None else user_of_directory(actor=request.user, key=key)
        return Response({"@odata.context": self.context("users/$entity"), **user_json(request, user, select)})


def user_json(request: Request, user: User, select: list[str] | None = None) -> dict:
    skus = user_skus(user_id=user.pk, actor=request.user) if wants_licenses(select) else None
    return user_resource(user, skus, select)


class LicenseDetailsView(GraphView):
    def get(self, request: Request, key: str) -> Response:
        self.only_options()
        user = user_of_directory(actor=request.user, key=key)
        skus = user_skus(user_id=user.pk, actor=request.user)
        return Response(
            {
                "@odata.context": self.context(f"users('{user.public_id}')/licenseDetails"),
                "value": [license_details_resource(user, sku) for sku in skus if sku.held],
            }
        )


class AssignedLicenseSerializer(serializers.Serializer):
    skuId = serializers.UUIDField()  # Graph's names
    disabledPlans = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=200)


class AssignLicenseSerializer(serializers.Serializer):
    addLicenses = serializers.ListField(child=AssignedLicenseSerializer(), required=False, max_length=100)
    removeLicenses = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=100)


def license_change(request: Request) -> dict:
    """The body of an assignLicense, by sku id: the keyword arguments of `user_skus_change`."""
    serializer = AssignLicenseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    added = data.get("addLicenses", [])
    return {
        "add": [entry["skuId"] for entry in added],
        "remove": list(data.get("removeLicenses", [])),
        # As in Graph, an added license's plans are exactly those it names off (all on without disabledPlans).
        "disabled_plans": {entry["skuId"]: [str(plan) for plan in entry.get("disabledPlans", [])] for entry in added},
    }


def license_change_of_products(request: Request) -> dict:
    """license_change with the products the sku ids name: the keyword arguments of `group_skus_change`."""
    change = license_change(request)
    products = _products([*change["add"], *change["remove"]])
    return {
        "add": [products[sku_id] for sku_id in change["add"]],
        "remove": [products[sku_id] for sku_id in change["remove"]],
        "disabled_plans": {products[sku_id]: plans for sku_id, plans in change["disabled_plans"].items()},
    }


@contextmanager
def licenses_known():
    """An unknown sku id is Graph's invalid license (a 400), not a missing resource."""
    try:
        yield
    except NotFound as error:
        if "skus" not in error.details:
            raise
        unknown = ", ".join(error.details["skus"])
        raise ValidationFailed(f"License {unknown} does not correspond to a valid company License.") from error


def _products(sku_ids: list[uuid.UUID]) -> dict[uuid.UUID, Product]:
    with licenses_known():
        found = products_resolve(identifiers=[str(sku_id) for sku_id in sku_ids])
    return {product.sku_id: product for product in found}


class UserAssignLicenseView(GraphView):
    def post(self, request: Request, key: str) -> Response:
        self.only_options()
        with licenses_known():
            change = user_skus_change(by=self.actor, key=key, **license_change(request))
        return Response({"@odata.context": self.context("users/$entity"), **user_json(request, change.user)})


# --- groups


class GroupsView(GraphView):
    def get(self, request: Request) -> Response:
        query = list_query(request.query_params, selectable=GROUP_SELECTABLE, filterable=False)
        groups = groups_visible(actor=request.user)
        return self.collection("groups", groups, query, lambda rows: self.groups(rows, query.select))

    def groups(self, groups: list[Group], select: list[str] | None) -> list[dict]:
        licenses = groups_skus(group_ids=[group.pk for group in groups], actor=self.request.user)
        return [group_resource(group, licenses[group.pk], select) for group in groups]


def group_of(request: Request, key: str) -> Group:
    try:
        public_id = uuid.UUID(key)
    except ValueError as error:
        raise NotFound(f"Resource '{key}' does not exist.", group=key) from error
    group = groups_visible(actor=request.user).filter(public_id=public_id).first()
    if group is None:
        raise NotFound(f"Resource '{key}' does not exist.", group=key)
    return group


def group_json(request: Request, group: Group, select: list[str] | None = None) -> dict:
    licenses = groups_skus(group_ids=[group.pk], actor=request.user)[group.pk]
    return group_resource(group, licenses, select)


class GroupView(GraphView):
    def get(self, request: Request, key: str) -> Response:
        self.only_options("$select")
        select = selected(request.query_params, GROUP_SELECTABLE)
        group = group_of(request, key)
        return Response({"@odata.context": self.context("groups/$entity"), **group_json(request, group, select)})


class GroupMembersView(GraphView):
    def get(self, request: Request, key: str) -> Response:
        query = list_query(request.query_params, selectable=list(USER_PROPERTIES), filterable=False)
        group = group_of(request, key)
        members = group_members(actor=request.user, group=group)
        return self.collection(
            "directoryObjects",
            members,
            query,
            lambda rows: [member_resource(user, query.select) for user in rows],
            partial(group_member_count, group),
        )


class GroupAssignLicenseView(GraphView):
    def post(self, request: Request, key: str) -> Response:
        self.only_options()
        group = group_of(request, key)
        group_skus_change(by=self.actor, group=group, **license_change_of_products(request))
        return Response({"@odata.context": self.context("groups/$entity"), **group_json(request, group)})


class NotFoundView(GraphView):
    """Any other path under /graph/v1.0/: Graph's 404 (after authentication, as Graph answers)."""

    def _not_found(self, request: Request, *args, **kwargs) -> Response:
        segment = request.path.removeprefix("/graph/v1.0/").split("/")[0]
        raise NotFound(f"Resource not found for the segment '{segment[:100]}'.")

    get = post = put = patch = delete = _not_found
