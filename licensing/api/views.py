"""REST endpoints of subscriptions, products, pools, assignments and the audit log. Each one is thin: the
querysets come from licensing.selectors (narrowed to the caller's scope), writes go through licensing.services."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import require_quantity_change, require_subscription_status_change
from accounts.selectors import user_get
from core.audit import Actor
from core.choices import Source
from licensing.filtersets import AuditEventFilterSet
from licensing.models import Product
from licensing.selectors.assignments import assignments_listed
from licensing.selectors.audit import audit_events_visible
from licensing.selectors.outlook import pools_outlook
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pools_visible, subscription_get, subscriptions_visible
from licensing.services.assignments import user_licenses_change
from licensing.services.pools import pool_set_quantity
from licensing.services.subscriptions import subscription_set_status
from officeseries.api.filters import FilterSetKeptBackend

from .filtersets import AssignmentFilterSet, PoolFilterSet
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AuditEventSerializer,
    HistoryQuerySerializer,
    PoolHistorySerializer,
    PoolQuantitySerializer,
    PoolSerializer,
    ProductSerializer,
    SubscriptionSerializer,
    SubscriptionStatusSerializer,
)


class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The subscriptions the caller may see, each with its license pools; PATCH changes a subscription's status."""

    serializer_class = SubscriptionSerializer
    http_method_names = ["get", "patch", "head", "options"]
    error_codes = {"partial_update": {409: ["status_change_not_allowed"]}}

    def get_queryset(self):
        return subscriptions_visible(actor=self.request.user)

    @extend_schema(request=SubscriptionStatusSerializer, responses=SubscriptionSerializer)
    def partial_update(self, request, *args, **kwargs):
        subscription = self.get_object()
        require_subscription_status_change(request.user, subscription.pk)
        serializer = SubscriptionStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription_set_status(
            subscription=subscription, status=serializer.validated_data["status"], by=Actor(request.user, Source.API)
        )
        return Response(SubscriptionSerializer(self.get_object()).data)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH, description="sku id or sku part number")]
    )
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """The product catalogue. A product is named by its sku id or its sku part number."""

    queryset = Product.objects.prefetch_related("service_plans")
    serializer_class = ProductSerializer
    lookup_field = "sku_part_number"
    lookup_url_kwarg = "sku"
    lookup_value_converter = "segment"  # a sku part number has letters and dots

    def get_object(self) -> Product:
        return products_resolve(identifiers=[self.kwargs[self.lookup_url_kwarg]])[0]


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The license pools of the subscriptions the caller may see; PATCH changes a pool's quantity."""

    serializer_class = PoolSerializer
    filterset_class = PoolFilterSet
    http_method_names = ["get", "patch", "head", "options"]
    error_codes = {"partial_update": {409: ["quantity_below_assigned"]}}

    def get_queryset(self):
        return pools_visible(actor=self.request.user)

    @extend_schema(request=PoolQuantitySerializer, responses=PoolSerializer)
    def partial_update(self, request, *args, **kwargs):
        pool = self.get_object()
        require_quantity_change(request.user, pool.subscription_id)
        serializer = PoolQuantitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pool = pool_set_quantity(
            pool=pool, quantity=serializer.validated_data["quantity"], by=Actor(request.user, Source.API)
        )
        return Response(PoolSerializer(pool).data)

    @extend_schema(parameters=[HistoryQuerySerializer], responses=PoolHistorySerializer)
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        """The pool's daily counters (README, "License usage history") and when it runs out at the current rate."""
        pool = self.get_object()
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["days"]
        outlook = pools_outlook(pools=[pool], days=days)[pool.pk]
        return Response(PoolHistorySerializer({"pool": pool, "days": days, "outlook": outlook}).data)


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The licenses assigned in the subscriptions the caller may see, by pool (a subscription's product) and then
    by user id. POST assigns one, DELETE unassigns it (or only its direct source, when the user also has it from a
    group)."""

    serializer_class = AssignmentSerializer
    filter_backends = [FilterSetKeptBackend]
    filterset_class = AssignmentFilterSet
    error_codes = {
        "create": {
            400: ["product_not_in_subscription"],
            404: [],  # the user, subscription or product
            409: ["not_enough_licenses", "subscription_not_active"],
        },
        "destroy": {409: ["license_inherited"]},  # a license the user has only from groups
    }

    def get_queryset(self):
        return assignments_listed(actor=self.request.user)

    def list_count(self, queryset) -> int:
        """The list's `count`, from the pools' counters unless it is one user's (AssignmentFilterSet.count)."""
        return self.filterset.count(queryset)

    @extend_schema(
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, 200: AssignmentSerializer},
        description="Assign one license. 201 when assigned, 200 when the user already held it.",
    )
    def create(self, request, *args, **kwargs):
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = subscription_get(actor=request.user, subscription_id=data["subscription"])
        user = user_get(actor=request.user, user_id=data["user"])
        product = products_resolve(identifiers=[data["product"]])[0]
        # One transaction: the user's row stays locked until the new assignment has been read back.
        with transaction.atomic():
            change = user_licenses_change(
                user=user, subscription=subscription, add=[product], by=Actor(request.user, Source.API)
            )
            assignment = self.get_queryset().get(user=user, pool__subscription=subscription, pool__product=product)
        status_code = status.HTTP_201_CREATED if change.changed else status.HTTP_200_OK
        return Response(AssignmentSerializer(assignment).data, status=status_code)

    def perform_destroy(self, instance):
        user_licenses_change(
            user=instance.user,
            subscription=instance.pool.subscription,
            remove=[instance.pool.product],
            by=Actor(self.request.user, Source.API),
        )


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit log, newest first: all of it, or a Subscription Administrator's subscriptions' events."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        return audit_events_visible(actor=self.request.user).select_related("product")
