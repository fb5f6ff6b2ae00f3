"""REST endpoints of groups and their members (README, "Groups"): every admin reads them, Global and User
Administrators change them. A group's members come with an ETag that a change may send back as If-Match."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.serializers import (
    GroupCreateSerializer,
    GroupMembersChangedSerializer,
    GroupMembersChangeSerializer,
    GroupSerializer,
    GroupUpdateSerializer,
    UserBriefSerializer,
)
from accounts.models import Group
from accounts.permissions import require_group_management
from accounts.selectors import (
    group_get,
    group_member_count,
    group_members,
    group_members_version,
    group_members_version_as_read,
    groups_visible,
    users_identified,
    users_page,
)
from accounts.services.groups import group_create, group_delete, group_members_change, group_update
from core.audit import Actor
from core.choices import Source
from officeseries.api.exceptions import if_match_versions
from officeseries.api.schema import version_headers

ETAG, IF_MATCH = version_headers("the group's members")


class GroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's groups, each with its number of members. Groups are not nested."""

    serializer_class = GroupSerializer
    filterset_fields = ["kind"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    error_codes = {"members POST": {404: [], 412: []}}  # 404: an unknown user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspects the view without a user
            return Group.objects.none()
        # A page of members (GET or HEAD) takes its count and ETag from the group's read: no statement of their own.
        return groups_visible(actor=self.request.user, members_version=self.action == "members")

    def _group_response(self, group: Group, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(GroupSerializer(group_get(actor=self.request.user, group_id=group.pk)).data, status=status_code)

    @extend_schema(request=GroupCreateSerializer, responses={201: GroupSerializer})
    def create(self, request, *args, **kwargs):
        require_group_management(request.user)
        serializer = GroupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = group_create(**serializer.validated_data, by=Actor(request.user, Source.API))
        return self._group_response(group, status.HTTP_201_CREATED)

    @extend_schema(request=GroupUpdateSerializer, responses=GroupSerializer)
    def partial_update(self, request, *args, **kwargs):
        group = self.get_object()
        require_group_management(request.user)
        serializer = GroupUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group_update(group=group, **serializer.validated_data, by=Actor(request.user, Source.API))
        return self._group_response(group)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted, with its memberships.")})
    def destroy(self, request, *args, **kwargs):
        group_delete(group=self.get_object(), by=Actor(request.user, Source.API))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses=UserBriefSerializer(many=True), parameters=[ETAG])
    @extend_schema(
        methods=["POST"],
        request=GroupMembersChangeSerializer,
        responses=GroupMembersChangedSerializer,
        parameters=[ETAG, IF_MATCH],
        description="One atomic change of an assigned group's members: all or nothing. Adding a member or removing "
        "a user who is not one changes nothing. A dynamic group's members follow its rule (validation_error).",
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, *args, **kwargs):
        """The group's members, a page at a time, with an ETag."""
        group = self.get_object()
        if request.method == "POST":
            return self._change_members(request, group)
        self.list_count = lambda _members: group_member_count(group)  # Pagination's exact count: no COUNT of its own
        self.page_rows = lambda page: list(users_page(page))  # the page's ids off the list order's index first
        page = self.paginate_queryset(group_members(actor=request.user, group=group))
        response = self.get_paginated_response(UserBriefSerializer(page, many=True).data)
        response["ETag"] = group_members_version_as_read(group)
        return response

    def _change_members(self, request, group: Group) -> Response:
        require_group_management(request.user)
        serializer = GroupMembersChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = group_members_change(
            group=group,
            add=users_identified(identifiers=serializer.validated_data["add"]),
            remove=users_identified(identifiers=serializer.validated_data["remove"]),
            expected_versions=if_match_versions(request),
            by=Actor(request.user, Source.API),
        )
        response = Response(GroupMembersChangedSerializer(change).data)
        response["ETag"] = group_members_version(group)
        return response
