from rest_framework import serializers

from accounts.choices import GroupKind
from accounts.models import ApiToken, Group, User
from core.serializers import SharedRepresentation


class UserBriefSerializer(SharedRepresentation, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name"]
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


class GroupSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    rule = serializers.JSONField(
        read_only=True, help_text='A dynamic group\'s rule, e.g. {"department": ["Sales"]}; {} for assigned ones.'
    )

    class Meta:
        model = Group
        fields = ["id", "name", "description", "kind", "rule", "member_count", "created_at"]
        read_only_fields = fields


class GroupUpdateSerializer(serializers.Serializer):
    """The editable fields of a group; accounts.services.groups validates them (the rule with group_rules)."""

    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(
        choices=GroupKind.choices, required=False, help_text="Fixed once the group is created: only its own is valid."
    )
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    rule = serializers.JSONField(
        required=False,
        help_text="A dynamic group's rule: attributes among department, job_title, usage_location and is_active, each "
        "a list of values (any of them matches); the attributes must all match.",
    )


class GroupCreateSerializer(GroupUpdateSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=GroupKind.choices, help_text="Fixed once the group is created.")


class GroupMembersChangeSerializer(serializers.Serializer):
    add = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False, default=list, help_text="User ids or emails."
    )
    remove = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False, default=list, help_text="User ids or emails."
    )


class GroupMembersChangedSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the users who joined.")
    removed = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the users who left.")
