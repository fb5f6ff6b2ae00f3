"""`/graph/v1.0/`: Graph's paths exactly, without a trailing slash; any other path is Graph's 404."""

from django.urls import path, re_path

import officeseries.converters  # noqa: F401  (registers `segment`: no NUL nor control characters in a key)

from . import views

urlpatterns = [
    path("subscribedSkus", views.SubscribedSkusView.as_view(), name="graph-subscribed-skus"),
    path("subscribedSkus/<segment:sku_id>", views.SubscribedSkuView.as_view(), name="graph-subscribed-sku"),
    path("users", views.UsersView.as_view(), name="graph-users"),
    path("users/<segment:key>", views.UserView.as_view(), name="graph-user"),
    path("users/<segment:key>/assignLicense", views.UserAssignLicenseView.as_view(), name="graph-user-assign-license"),
    path("users/<segment:key>/licenseDetails", views.LicenseDetailsView.as_view(), name="graph-user-license-details"),
    path("me", views.UserView.as_view(), name="graph-me"),
    path("groups", views.GroupsView.as_view(), name="graph-groups"),
    path("groups/<segment:key>", views.GroupView.as_view(), name="graph-group"),
    path("groups/<segment:key>/members", views.GroupMembersView.as_view(), name="graph-group-members"),
    path(
        "groups/<segment:key>/assignLicense", views.GroupAssignLicenseView.as_view(), name="graph-group-assign-license"
    ),
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view(), name="graph-catch-all"),  # any character, a newline too
]
