from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from accounts.models import Group, User
from core.ids import id_field
from core.models import AuditEvent
from core.serializers import SharedRepresentation, iso_datetime
from licensing.choices import SubscriptionStatus
from licensing.forecast import TREND_DAYS, Outlook
from licensing.models import GroupLicense, LicenseAssignment, LicensePool, Product, ServicePlan, Subscription
from licensing.selectors.groups import pending_reason
from licensing.selectors.history import HISTORY_DAYS
from licensing.services.history import BACKFILL_DAYS

LICENSE_STATES = [("active", "Held."), ("pending", "Waiting in the pool's line.")]
PENDING_REASONS = [
    ("not_enough_licenses", "The pool has no free license."),
    ("subscription_not_active", "The subscription is suspended or expired."),
]

# Bounds one request's product list; a subscription holds a few dozen products at most.
MAX_PRODUCTS = 100
# Bounds the plans named for one product; a product holds a few dozen at most.
MAX_PLANS = 100


class ProductBriefSerializer(SharedRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku_id", "sku_part_number", "name"]
        read_only_fields = fields


class ServicePlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePlan
        fields = ["service_plan_id", "name", "friendly_name"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    service_plans = ServicePlanSerializer(many=True, read_only=True, help_text="The apps inside the product.")

    class Meta:
        model = Product
        fields = ["sku_id", "sku_part_number", "name", "description", "is_active", "service_plans"]
        read_only_fields = fields


def _plan_ids_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text, **kwargs)


class SubscriptionBriefSerializer(SharedRepresentation, serializers.ModelSerializer):
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


class AssignmentSerializer(serializers.ModelSerializer):
    """A license assignment: a license held by a user."""

    user = UserBriefSerializer(read_only=True)
    subscription = SubscriptionBriefSerializer(source="pool.subscription", read_only=True)
    product = ProductBriefSerializer(source="pool.product", read_only=True)
    assigned_by = UserBriefSerializer(read_only=True, allow_null=True, help_text="Empty when the system assigned it.")

    class Meta:
        model = LicenseAssignment
        fields = ["id", "user", "subscription", "product", "assigned_at", "assigned_by"]
        read_only_fields = fields


class GroupBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]
        read_only_fields = fields


class SourceGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    disabled_plans = _plan_ids_field("The plans this group switches off (service_plan_id).", read_only=True)


class LicenseSourcesSerializer(serializers.Serializer):
    direct = serializers.BooleanField(read_only=True, help_text="Assigned to the user directly.")
    direct_disabled_plans = _plan_ids_field(
        "The plans the direct assignment switches off (service_plan_id); empty without one.", read_only=True
    )
    groups = serializers.SerializerMethodField(
        help_text="The groups, holding the pool, through which the user has it, each with the plans it switches off."
    )

    @extend_schema_field(SourceGroupSerializer(many=True))
    def get_groups(self, sources) -> list[dict]:
        return [
            {"id": group.pk, "name": group.name, "disabled_plans": sources.group_disabled_plans.get(group.pk, [])}
            for group in sources.groups
        ]


class UserLicenseSerializer(serializers.Serializer):
    """A license a user holds (`active`) or waits for in the pool's line (`pending`), and where it comes from
    (licensing.selectors.groups.UserLicense)."""

    id = serializers.IntegerField(
        source="assignment.pk", read_only=True, allow_null=True, help_text="The assignment's id; empty while pending."
    )
    subscription = SubscriptionBriefSerializer(source="pool.subscription", read_only=True)
    product = ProductBriefSerializer(source="pool.product", read_only=True)
    state = serializers.ChoiceField(choices=LICENSE_STATES, read_only=True)
    reason = serializers.ChoiceField(
        choices=PENDING_REASONS, read_only=True, allow_null=True, help_text="Why the user waits; empty when active."
    )
    sources = LicenseSourcesSerializer(read_only=True)
    disabled_plans = _plan_ids_field(
        "The plans switched off on the license (service_plan_id): those no source has on.",
        source="sources.disabled_plans",
        read_only=True,
    )
    assigned_at = serializers.DateTimeField(source="assignment.assigned_at", read_only=True, allow_null=True)
    assigned_by = UserBriefSerializer(
        source="assignment.assigned_by",
        read_only=True,
        allow_null=True,
        help_text="Empty when the system assigned it, or while pending.",
    )
    waiting_since = serializers.DateTimeField(
        source="waiting.since", read_only=True, allow_null=True, help_text="When the user joined the line."
    )

    def to_representation(self, entry) -> dict:
        """What DRF's field walk gives (tests/api/test_users_serialization.py holds the two equal), written out: a
        page of 50 users lists some 150 licenses, and the walk over their nested fields was a third of the
        request's time."""
        fields, assignment, waiting, sources = self.fields, entry.assignment, entry.waiting, entry.sources
        assigned_by = assignment.assigned_by if assignment is not None else None
        return {
            "id": assignment.pk if assignment is not None else None,
            "subscription": fields["subscription"].to_representation(entry.pool.subscription),
            "product": fields["product"].to_representation(entry.pool.product),
            "state": entry.state,
            "reason": entry.reason,
            "sources": {
                "direct": sources.direct,
                "direct_disabled_plans": [str(plan) for plan in sources.direct_disabled_plans],
                "groups": fields["sources"].get_groups(sources),
            },
            "disabled_plans": [str(plan) for plan in sources.disabled_plans],
            "assigned_at": iso_datetime(assignment.assigned_at) if assignment else None,
            "assigned_by": fields["assigned_by"].to_representation(assigned_by) if assigned_by is not None else None,
            "waiting_since": iso_datetime(waiting.since) if waiting else None,
        }


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
    licenses = UserLicenseSerializer(
        source="licenses_listed", many=True, read_only=True, help_text="In the subscriptions the caller may see."
    )
    licenses_reclaimed_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="A disabled account's: the day its licenses return (or returned) to their pools, "
        "LICENSE_RECLAIM_GRACE_DAYS after it was disabled. Null while the account is enabled.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "user_name",
            "external_id",
            "display_name",
            "department",
            "job_title",
            "usage_location",
            "is_active",
            "licenses_reclaimed_on",
            "created_at",
            "last_login",
            "licenses",
        ]
        read_only_fields = fields

    def to_representation(self, user: User) -> dict:
        """What DRF's walk over the fields above gives (tests/api/test_users_serialization.py holds the two equal),
        written out like UserLicenseSerializer's: a page is a walk over thirteen fields a user, and a time zone
        lookup for every time."""
        licenses, reclaimed_on = LICENSE_REPRESENTATION, user.licenses_reclaimed_on
        return {
            "id": user.pk,
            "email": user.email,
            "user_name": user.user_name,
            "external_id": user.external_id,
            "display_name": user.display_name,
            "department": user.department,
            "job_title": user.job_title,
            "usage_location": user.usage_location,
            "is_active": user.is_active,
            "licenses_reclaimed_on": reclaimed_on.isoformat() if reclaimed_on is not None else None,
            "created_at": iso_datetime(user.created_at),
            "last_login": iso_datetime(user.last_login),
            "licenses": [licenses.to_representation(entry) for entry in user.licenses_listed],
        }


def _products_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=MAX_PRODUCTS, help_text=help_text, **kwargs
    )


def _disabled_plans_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=64), max_length=MAX_PLANS),
        default=dict,
        help_text="The plans to switch off, by product (sku id or sku part number): a list of service_plan_id or "
        'plan names, e.g. {"OFFICESERIES_E3": ["TEAMS1"]}; [] switches every plan on. For products added, or held '
        "already (to change only their plans); products not named keep theirs, new ones have all on.",
    )


class LicensesChangeSerializer(serializers.Serializer):
    """One atomic change of a user's or a group's licenses in one subscription (like Microsoft Graph's
    assignLicense)."""

    subscription = id_field("Subscription id.")
    add = _products_field("Products to assign, by sku id or sku part number.", default=list)
    remove = _products_field("Products to unassign, by sku id or sku part number.", default=list)
    disabled_plans = _disabled_plans_field()

    def validate_disabled_plans(self, value: dict) -> dict:
        if len(value) > MAX_PRODUCTS:
            raise serializers.ValidationError(f"Plans of at most {MAX_PRODUCTS} products.")
        return value


class LicensesSetSerializer(serializers.Serializer):
    """The licenses a user should hold in one subscription, exactly."""

    subscription = id_field("Subscription id.")
    products = _products_field("Every product the user should hold there, by sku id or sku part number.")
    disabled_plans = _disabled_plans_field()

    validate_disabled_plans = LicensesChangeSerializer.validate_disabled_plans


class UserLicensesSerializer(serializers.Serializer):
    user = UserBriefSerializer(read_only=True)
    licenses = UserLicenseSerializer(
        many=True, read_only=True, help_text="Held or waited for, in every subscription the caller may see."
    )


# The answers' serializers, one instance each for the process. DRF builds a serializer's fields, and those of every
# serializer nested in it, once per instance (a ModelSerializer introspects its model to do it): an instance per
# answer spent a seventh of a license change's time through the API building the same fields again.
LICENSE_REPRESENTATION = UserLicenseSerializer()
USER_LICENSES_REPRESENTATION = UserLicensesSerializer()


class GroupLicenseSerializer(serializers.ModelSerializer):
    """A pool a group holds (licensing.selectors.groups.group_licenses_counted): the pool's counters, and how many
    of the group's members hold its license or wait for one."""

    subscription = SubscriptionBriefSerializer(source="pool.subscription", read_only=True)
    product = ProductBriefSerializer(source="pool.product", read_only=True)
    quantity = serializers.IntegerField(source="pool.quantity", read_only=True)
    assigned = serializers.IntegerField(source="pool.assigned", read_only=True)
    available = serializers.IntegerField(source="pool.available", read_only=True, help_text="quantity - assigned")
    waiting = serializers.IntegerField(
        source="pool.pending", read_only=True, help_text="Members of any group waiting in the pool's line."
    )
    reason = serializers.SerializerMethodField(help_text="Why the pool's line waits; empty when nobody waits.")
    members_holding = serializers.IntegerField(read_only=True, help_text="The group's members who hold the license.")
    members_waiting = serializers.IntegerField(read_only=True, help_text="The group's members who wait for one.")
    disabled_plans = _plan_ids_field(
        "The plans the group switches off on its members' licenses (service_plan_id).", read_only=True
    )

    class Meta:
        model = GroupLicense
        fields = [
            "pool",
            "subscription",
            "product",
            "quantity",
            "assigned",
            "available",
            "waiting",
            "reason",
            "members_holding",
            "members_waiting",
            "disabled_plans",
            "added_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=PENDING_REASONS, allow_null=True))
    def get_reason(self, license: GroupLicense) -> str | None:
        return pending_reason(license.pool) if license.pool.pending else None


class GroupLicensesSerializer(serializers.Serializer):
    group = GroupBriefSerializer(read_only=True)
    licenses = GroupLicenseSerializer(
        many=True, read_only=True, help_text="The pools the group holds, in the subscriptions the caller may see."
    )


class HistoryQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        default=HISTORY_DAYS,
        min_value=1,
        max_value=BACKFILL_DAYS,
        help_text=f"How many days of history, ending today (default {HISTORY_DAYS}).",
    )


class UsagePointSerializer(serializers.Serializer):
    day = serializers.DateField()
    quantity = serializers.IntegerField(help_text="Licenses owned at the end of the day.")
    assigned = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Group members waiting for a license.")


class ForecastSerializer(serializers.Serializer):
    outlook = serializers.ChoiceField(choices=[outlook.value for outlook in Outlook])
    days_left = serializers.IntegerField(allow_null=True, help_text="With runs_out: in about this many days.")
    rate_per_day = serializers.FloatField(
        allow_null=True, help_text=f"Licenses wanted per day over the last {TREND_DAYS} days (least squares)."
    )


class PoolHistorySerializer(serializers.Serializer):
    pool = serializers.IntegerField(source="pool.pk")
    days = serializers.IntegerField()
    points = UsagePointSerializer(
        many=True, source="outlook.points", help_text="One per day with a snapshot, today last."
    )
    forecast = ForecastSerializer(source="outlook.forecast")
