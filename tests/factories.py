import datetime

import factory

from accounts.choices import GroupKind, Role
from accounts.models import Group, RoleAssignment, User
from licensing.choices import SubscriptionStatus
from licensing.models import LicensePool, Product, ServicePlan, Subscription

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Sequence(lambda n: f"User {n:04d}")
    department = "Sales"
    job_title = "Analyst"
    usage_location = "US"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save(update_fields=["password"])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku_part_number = factory.Sequence(lambda n: f"PRODUCT_{n}")
    name = factory.Sequence(lambda n: f"Product {n:03d}")


class ServicePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePlan
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"PLAN_{n}")
    friendly_name = factory.LazyAttribute(lambda plan: plan.name.replace("_", " ").title())


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    name = factory.Sequence(lambda n: f"Subscription {n}")
    status = SubscriptionStatus.ACTIVE
    starts_on = datetime.date(2026, 1, 1)


class LicensePoolFactory(factory.django.DjangoModelFactory):
    """A pool with no assignments; assign through licensing.services so the counter stays right."""

    class Meta:
        model = LicensePool

    subscription = factory.SubFactory(SubscriptionFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 10


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.GLOBAL_ADMIN
    subscription = None


class GroupFactory(factory.django.DjangoModelFactory):
    """An assigned group without members; a dynamic group's members come from accounts.services (group_create)."""

    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n:03d}")
    kind = GroupKind.ASSIGNED
