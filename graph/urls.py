"""`/graph/v1.0/`: Graph's paths exactly, without a trailing slash; any other path is Graph's 404."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("subscribedSkus", views.SubscribedSkusView.as_view(), name="graph-subscribed-skus"),
    path("subscribedSkus/<str:sku_id>", views.SubscribedSkuView.as_view(), name="graph-subscribed-sku"),
    path("users", views.UsersView.as_view(), name="graph-users"),
    path("users/<str:key>", views.UserView.as_view(), name="graph-user"),
    path("users/<str:key>/assignLicense", views.UserAssignLicenseView.as_view(), name="graph-user-assign-license"),
    path("users/<str:key>/licenseDetails", views.LicenseDetailsView.as_view(), name="graph-user-license-details"),
    path("me", views.UserView.as_view(), name="graph-me"),
    path("groups", views.GroupsView.as_view(), name="graph-groups"),
    path("groups/<str:key>", views.GroupView.as_view(), name="graph-group"),
    path("groups/<str:key>/members", views.GroupMembersView.as_view(), name="graph-group-members"),
    path("groups/<str:key>/assignLicense", views.GroupAssignLicenseView.as_view(), name="graph-group-assign-license"),
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view(), name="graph-catch-all"),  # any character, a newline too
]
