from rest_framework import serializers

from accounts.models import ApiToken, User
from licensing.api.serializers import LicenseSerializer, UserBriefSerializer, id_field

# Bounds one request's product list; a subscription holds a few dozen products at most.
MAX_PRODUCTS = 100


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


class UserUpdateSerializer(serializers.Serializer):
    """The editable fields of a user; accounts.services validates them against the model."""

    display_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    department = serializers.CharField(max_length=100, allow_blank=True, required=False)
    job_title = serializers.CharField(max_length=100, allow_blank=True, required=False)
    usage_location = serializers.CharField(
        max_length=2, allow_blank=True, required=False, help_text="ISO 3166 alpha-2 country code, e.g. US."
    )
    is_active = serializers.BooleanField(required=False, help_text="May sign in.")


class UserCreateSerializer(UserUpdateSerializer):
    email = serializers.EmailField(max_length=254)


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


class ApiTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(read_only=True, help_text="The first characters of the token, to recognise it.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: never expires.")


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret: shown only in this response.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields
