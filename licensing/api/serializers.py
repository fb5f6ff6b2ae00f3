from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from accounts.models import User
from core.ids import id_field
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool, Product, Subscription

# Bounds one request's product list; a subscription holds a few dozen products at most.
MAX_PRODUCTS = 100


class ProductBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku_id", "sku_part_number", "name"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku_id", "sku_part_number", "name", "description", "is_active"]
        read_only_fields = fields


class SubscriptionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "name", "status"]
        read_only_fields = fields


class PoolSerializer(serializers.ModelSerializer):
    product = ProductBriefSerializer(read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="quantity - assigned")

    class Meta:
        model = LicensePool
        fields = ["id", "subscription", "product", "quantity", "assigned", "available"]
        read_only_fields = fields


class PoolQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=LicensePool.MAX_QUANTITY, help_text="Licenses purchased."
    )


class SubscriptionSerializer(serializers.ModelSerializer):
    pools = PoolSerializer(many=True, read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "name", "status", "starts_on", "ends_on", "pools"]
        read_only_fields = fields


class SubscriptionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SubscriptionStatus.choices,
        help_text='The new status; see README, "Subscription lifecycle", for the changes allowed.',
        error_messages={
            "invalid_choice": f'"{{input}}" is not a status; use one of {", ".join(SubscriptionStatus.values)}.'
        },
    )


class LicenseSerializer(serializers.ModelSerializer):
    """A license held by a user: the assignment seen from the user's side."""

    subscription = SubscriptionBriefSerializer(source="pool.subscription", read_only=True)
    product = ProductBriefSerializer(source="pool.product", read_only=True)
    assigned_by = UserBriefSerializer(read_only=True, allow_null=True, help_text="Empty when the system assigned it.")

    class Meta:
        model = LicenseAssignment
        fields = ["id", "subscription", "product", "assigned_at", "assigned_by"]
        read_only_fields = fields


class AssignmentSerializer(LicenseSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta(LicenseSerializer.Meta):
        fields = ["id", "user", "subscription", "product", "assigned_at", "assigned_by"]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):
    user = id_field("User id.")
    subscription = id_field("Subscription id.")
    product = serializers.CharField(max_length=64, help_text="Product sku id or sku part number.")


class AuditEventSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(
        slug_field="sku_id", read_only=True, allow_null=True, help_text="sku id; empty once the product is deleted."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "source",
            "subject_user",
            "subject_user_label",
            "subscription",
            "subscription_label",
            "product",
            "product_label",
            "details",
        ]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    licenses = LicenseSerializer(
        source="visible_licenses", many=True, read_only=True, help_text="In the subscriptions the caller may see."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "department",
            "job_title",
            "usage_location",
            "is_active",
            "created_at",
            "last_login",
            "licenses",
        ]
        read_only_fields = fields


def _products_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=MAX_PRODUCTS, help_text=help_text, **kwargs
    )


class LicensesChangeSerializer(serializers.Serializer):
    """One atomic change of a user's licenses in one subscription (like Microsoft Graph's assignLicense)."""

    subscription = id_field("Subscription id.")
    add = _products_field("Products to assign, by sku id or sku part number.", default=list)
    remove = _products_field("Products to unassign, by sku id or sku part number.", default=list)


class LicensesSetSerializer(serializers.Serializer):
    """The licenses a user should hold in one subscription, exactly."""

    subscription = id_field("Subscription id.")
    products = _products_field("Every product the user should hold there, by sku id or sku part number.")


class UserLicensesSerializer(serializers.Serializer):
    user = UserBriefSerializer(read_only=True)
    licenses = LicenseSerializer(many=True, read_only=True, help_text="In every subscription the caller may see.")
