"""The users API's users and their licenses, written out by UserSerializer and UserLicenseSerializer for speed, are
exactly what DRF's own walk over the declared fields gives (the declared fields stay the OpenAPI schema)."""

import datetime

from rest_framework import serializers

from accounts.models import User
from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.api.serializers import UserLicenseSerializer, UserSerializer
from licensing.selectors.sources import users_licenses
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, LicensePoolFactory, UserFactory


def test_every_kind_of_license_is_written_as_drf_would(org):
    admin = org.users["global_admin"]
    scarce = LicensePoolFactory(subscription=org.s, quantity=1)
    group = GroupFactory()
    users = UserFactory.create_batch(3)
    system = Actor(None, Source.CLI)
    group_members_change(group=group, add=users, by=system)
    group_licenses_change(
        group=group, subscription=org.s, add=[org.e3, scarce.product], by=system, disabled_plans={org.e3: ["TEAMS1"]}
    )
    user_licenses_change(user=users[0], subscription=org.s, add=[org.e5], by=Actor(admin, Source.API))
    user_licenses_change(user=users[1], subscription=org.s, add=[org.e3], by=system)  # direct and from the group

    listed = users_licenses(user_ids=[user.pk for user in users], actor=admin)
    entries = [entry for user in users for entry in listed[user.pk]]
    kinds = {
        (
            entry.state,
            entry.sources.direct,
            bool(entry.sources.groups),
            bool(entry.assignment and entry.assignment.assigned_by),
        )
        for entry in entries
    }
    assert {("pending", False, True, False), ("active", True, False, True), ("active", True, True, False)} <= kinds
    serializer = UserLicenseSerializer()
    for entry in entries:
        assert serializer.to_representation(entry) == serializers.Serializer.to_representation(serializer, entry)


def test_every_kind_of_user_is_written_as_drf_would(org):
    admin = org.users["global_admin"]
    moment = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    plain = UserFactory()
    provisioned = UserFactory(email=None, user_name="Kim.Lee", external_id="entra-7", department="", job_title="")
    disabled = UserFactory(usage_location="", display_name="Zoë Ünal")
    User.objects.filter(pk=disabled.pk).update(is_active=False, disabled_at=moment)
    User.objects.filter(pk=plain.pk).update(last_login=moment.replace(microsecond=123456), created_at=moment)
    user_licenses_change(user=plain, subscription=org.s, add=[org.e3], by=Actor(admin, Source.API))
    users = list(User.objects.filter(pk__in=[plain.pk, provisioned.pk, disabled.pk]).order_by("pk"))
    listed = users_licenses(user_ids=[user.pk for user in users], actor=admin)
    for user in users:
        user.licenses_listed = listed[user.pk]
    assert users[2].licenses_reclaimed_on is not None and users[0].licenses_listed

    serializer = UserSerializer()
    for user in users:
        assert serializer.to_representation(user) == serializers.ModelSerializer.to_representation(serializer, user)
