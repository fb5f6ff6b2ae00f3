from rest_framework import serializers

from accounts.models import User
from licensing.choices import SubscriptionStatus
from licensing.filtersets import MAX_ID
from licensing.models import AuditEvent, LicenseAssignment, LicensePool, Product, Subscription

# Largest value a PositiveIntegerField holds on every supported database.


def id_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text)


class UserBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name"]
        read_only_fields = fields


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
