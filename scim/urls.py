"""/scim/v2/ (RFC 7644 §3.2): the paths identity providers send, without a trailing slash and never redirected;
any other path gets SCIM's 404 body."""

from django.urls import path, re_path

import officeseries.converters  # noqa: F401  (registers the `segment` converter)

from .http import scim_not_found
from .views.discovery import (
    ResourceTypesView,
    ResourceTypeView,
    SchemasView,
    SchemaView,
    SearchView,
    ServiceProviderConfigView,
)
from .views.groups import GroupsView, GroupView
from .views.users import UsersView, UserView

app_name = "scim"

urlpatterns = [
    path("Users", UsersView.as_view(), name="users"),
    path("Users/<segment:user_id>", UserView.as_view(), name="user"),
    path("Groups", GroupsView.as_view(), name="groups"),
    path("Groups/<segment:group_id>", GroupView.as_view(), name="group"),
    path("ServiceProviderConfig", ServiceProviderConfigView.as_view(), name="service-provider-config"),
    path("ResourceTypes", ResourceTypesView.as_view(), name="resource-types"),
    path("ResourceTypes/<segment:name>", ResourceTypeView.as_view(), name="resource-type"),
    path("Schemas", SchemasView.as_view(), name="schemas"),
    path("Schemas/<segment:urn>", SchemaView.as_view(), name="schema"),
    path(".search", SearchView.as_view(), name="search"),
    re_path(r"^[\s\S]*$", scim_not_found, name="not-found"),  # any character, a newline too
]
