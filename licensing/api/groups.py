"""REST endpoint of a group's licenses, `groups/{id}/licenses/` (README, "Group licenses over the API"): the pools
a group holds, which its members hold or wait for. It lives in licensing, which owns the pools; accounts, which
serves the rest of `groups/`, never imports licensing."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Group
from accounts.selectors import groups_visible
from core.audit import Actor
from core.choices import Source
from licensing.selectors.groups import group_licenses_counted, group_licenses_version
from licensing.selectors.plans import plans_by_product
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import subscription_get
from licensing.services.group_licenses import group_licenses_change
from officeseries.api.exceptions import if_match_versions
from officeseries.api.schema import version_headers

from .serializers import GroupLicensesSerializer, LicensesChangeSerializer

ETAG, IF_MATCH = version_headers("the group's licenses")


class GroupLicensesViewSet(viewsets.GenericViewSet):
    """A group's licenses. Every admin reads them (a Subscription Administrator those of their subscriptions);
    whoever may assign licenses in a subscription changes the group's products there."""

    error_codes = {"licenses POST": {400: ["product_not_in_subscription"], 412: []}}  # 404: also a product

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspects the view without a user
            return Group.objects.none()
        return groups_visible(actor=self.request.user)

    @extend_schema(methods=["GET"], request=None, responses=GroupLicensesSerializer, parameters=[ETAG])
    @extend_schema(
        methods=["POST"],
        request=LicensesChangeSerializer,
        responses=GroupLicensesSerializer,
        parameters=[ETAG, IF_MATCH],
        description="One atomic change of the group's products in one subscription: all or nothing. Every member "
        "gets a product added, or waits in its pool's line when none is free (never an error); a product removed "
        "is taken from the members who have no other source, and the licenses freed go to the line. Adding a "
        "product the group holds, or removing one it doesn't, changes nothing.",
    )
    @action(detail=True, methods=["get", "post"])
    def licenses(self, request, *args, **kwargs):
        """The pools the group holds in the subscriptions the caller may see, with an ETag."""
        group = self.get_object()
        if request.method == "GET":
            return self._licenses_response(group)
        # One transaction: the group stays locked until its new licenses and their version have been read back.
        with transaction.atomic():
            self._change_licenses(request, group)
            return self._licenses_response(group)

    def _change_licenses(self, request, group: Group) -> None:
        serializer = LicensesChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        group_licenses_change(
            group=group,
            subscription=subscription_get(actor=request.user, subscription_id=data["subscription"]),
            add=products_resolve(identifiers=data["add"]),
            remove=products_resolve(identifiers=data["remove"]),
            expected_versions=if_match_versions(request),
            disabled_plans=plans_by_product(data["disabled_plans"]),
            by=Actor(request.user, Source.API),
        )

    def _licenses_response(self, group: Group) -> Response:
        # The version first: a change between the two reads leaves it older than the body, never newer.
        version = group_licenses_version(group)
        licenses = group_licenses_counted(group=group, actor=self.request.user)
        response = Response(GroupLicensesSerializer({"group": group, "licenses": licenses}).data)
        response["ETag"] = version
        return response
