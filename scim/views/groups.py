"""/scim/v2/Groups: list and filter, create, read, replace, patch and delete assigned groups through
accounts.services.groups."""

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from scim2_models import Context, ListResponse, PatchOp
from scim2_models import Group as ScimGroup

from accounts.choices import GroupKind
from accounts.models import Group, User
from accounts.services.groups import group_create, group_delete, group_members_change, group_update

from ..filters import Column, filter_q
from ..groups import (
    group_listed,
    group_resource,
    member_values,
    members_only_change,
    require_assigned,
    users_named,
)
from ..http import (
    ScimView,
    every_attribute,
    excluded,
    json_body,
    list_response,
    page_of,
    resource_of,
    response_parameters,
    scim_response,
)

COLUMNS = {
    ("displayName", None, None): Column("scim_name", "lowered"),
    ("externalId", None, None): Column("external_id"),
    ("id", None, None): Column("pk", "id"),
    ("meta", "created", None): Column("created_at", "datetime"),
    ("meta", "lastModified", None): Column("updated_at", "datetime"),
}
# Parametrized once: pydantic keeps its generic models only weakly, and rebuilds them at a cost.
GROUP_LIST = ListResponse[ScimGroup]
GROUP_PATCH = PatchOp[ScimGroup]
MEMBERS = User.objects.only("pk").order_by("pk")


class GroupsView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        parameters = response_parameters(request, ScimGroup)
        with_members = not excluded(parameters, "members")
        start, count = page_of(request)
        groups = Group.objects.alias(scim_name=Lower("name")).order_by("pk")
        if request.GET.get("filter", "").strip():
            groups = groups.filter(filter_q(request.GET["filter"], COLUMNS))
        page = groups[start - 1 : start - 1 + count] if count else Group.objects.none()
        if with_members:
            page = page.prefetch_related(Prefetch("members", queryset=MEMBERS))
        page = list(page)
        if every_attribute(parameters):  # the library's dump written out, as for users: a model per member
            resources = [
                group_listed(group, self.location("Groups", group.pk), group.members.all(), self.users_url())
                for group in page
            ]
            return scim_response(list_response(groups.count(), start, resources))
        listed = GROUP_LIST(
            total_results=groups.count(),
            start_index=start,
            items_per_page=len(page),
            resources=[
                group_resource(
                    group,
                    self.location("Groups", group.pk),
                    group.members.all() if with_members else None,
                    self.users_url(),
                )
                for group in page
            ],
        )
        return scim_response(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters))

    def post(self, request: HttpRequest) -> HttpResponse:
        resource = ScimGroup.model_validate(json_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        group = group_create(
            by=self.actor,
            name=resource.display_name or "",
            kind=GroupKind.ASSIGNED,
            external_id=resource.external_id or "",
            members=users_named(member_values(resource)),
        )
        return self.group_response(group, status=201)

    def group_response(self, group: Group, status: int = 200) -> HttpResponse:
        parameters = response_parameters(self.request, ScimGroup)
        group = Group.objects.get(pk=group.pk)  # as the change left it: a change of members moves its version
        members = None if excluded(parameters, "members") else MEMBERS.filter(member_groups=group)
        resource = group_resource(group, self.location("Groups", group.pk), members, self.users_url())
        return self.resource_response(resource, parameters, status)


class GroupView(GroupsView):
    def group(self, group_id: str) -> Group:
        return resource_of(Group.objects.all(), group_id, "Group")

    def get(self, request: HttpRequest, group_id: str) -> HttpResponse:
        return self.group_response(self.group(group_id))

    def put(self, request: HttpRequest, group_id: str) -> HttpResponse:
        group = self.group(group_id)
        require_assigned(group)
        resource = ScimGroup.model_validate(json_body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        self.members_set(group, {user.pk: user for user in users_named(member_values(resource))})
        group_update(
            by=self.actor, group=group, name=resource.display_name or "", external_id=resource.external_id or ""
        )
        return self.group_response(group)

    def patch(self, request: HttpRequest, group_id: str) -> HttpResponse:
        group = self.group(group_id)
        require_assigned(group)
        body = json_body(request)
        patch = GROUP_PATCH.model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        members_change = members_only_change(body.get("Operations") or [])
        if members_change is not None:  # the members are not read
            added, removed = members_change
            group_members_change(by=self.actor, group=group, add=users_named(added), remove=users_named(removed))
            return HttpResponse(status=204)
        before = group_resource(
            group, self.location("Groups", group.pk), MEMBERS.filter(member_groups=group), self.users_url()
        )
        after = before.model_copy(deep=True)
        patch.patch(after)
        if member_values(after) != member_values(before):
            self.members_set(group, {user.pk: user for user in users_named(member_values(after))})
        if (after.display_name, after.external_id) != (before.display_name, before.external_id):
            group_update(by=self.actor, group=group, name=after.display_name or "", external_id=after.external_id or "")
        return HttpResponse(status=204)

    def delete(self, request: HttpRequest, group_id: str) -> HttpResponse:
        group = self.group(group_id)
        require_assigned(group)
        group_delete(by=self.actor, group=group)
        return HttpResponse(status=204)

    def members_set(self, group: Group, wanted: dict[int, User]) -> None:
        """Make the group's members exactly `wanted` (by id), first of the changes to a group: the users are
        locked before the group (the one lock order)."""
        current = {user.pk: user for user in MEMBERS.filter(member_groups=group)}
        group_members_change(
            by=self.actor,
            group=group,
            add=[user for pk, user in wanted.items() if pk not in current],
            remove=[user for pk, user in current.items() if pk not in wanted],
        )
