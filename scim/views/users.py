"""/scim/v2/Users: list and filter, create, read, replace, patch and delete users through accounts.services.users."""

from django.http import HttpRequest, HttpResponse
from scim2_models import Context, ListResponse, PatchOp

from accounts.models import IDENTITY_KEY, User
from accounts.services import users as user_services

from ..filters import ENTERPRISE, Column, filter_q
from ..http import (
    ScimView,
    every_attribute,
    if_match_version,
    json_body,
    list_response,
    page_of,
    resource_of,
    response_parameters,
    scim_response,
)
from ..users import ScimUser, changed_fields, user_fields, user_listed, user_resource

COLUMNS = {
    ("userName", None, None): Column("scim_identity", "lowered"),
    ("externalId", None, None): Column("external_id"),
    ("emails", None, None): Column("email", "email"),
    ("emails", "value", None): Column("email", "email"),
    ("displayName", None, None): Column("display_name"),
    ("name", "formatted", None): Column("display_name"),
    ("title", None, None): Column("job_title"),
    ("department", None, ENTERPRISE): Column("department"),
    ("active", None, None): Column("is_active", "boolean"),
    ("id", None, None): Column("pk", "id"),
    ("meta", "created", None): Column("created_at", "datetime"),
    ("meta", "lastModified", None): Column("updated_at", "datetime"),
}
# Parametrized once: pydantic keeps its generic models only weakly, and rebuilds them at a cost.
USER_LIST = ListResponse[ScimUser]
USER_PATCH = PatchOp[ScimUser]


def users_matching(scim_filter: str):
    users = User.objects.alias(scim_identity=IDENTITY_KEY).order_by("pk")
    return users.filter(filter_q(scim_filter, COLUMNS)) if scim_filter.strip() else users


class UsersView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        parameters = response_parameters(request, ScimUser)
        start, count = page_of(request)
        users = users_matching(request.GET.get("filter", ""))
        page = list(users[start - 1 : start - 1 + count]) if count else []
        if every_attribute(parameters):  # the library's dump written out: the models cost most of a page
            resources = [user_listed(user, self.location("Users", user.pk)) for user in page]
            return scim_response(list_response(users.count(), start, resources))
        listed = USER_LIST(
            total_results=users.count(),
            start_index=start,
            items_per_page=len(page),
            resources=[user_resource(user, self.location("Users", user.pk)) for user in page],
        )
        return scim_response(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters))

    def post(self, request: HttpRequest) -> HttpResponse:
        resource = ScimUser.model_validate(json_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        user = user_services.user_create(by=self.actor, **user_fields(resource))
        return self.user_response(user, status=201)

    def user_response(self, user: User, status: int = 200) -> HttpResponse:
        resource = user_resource(user, self.location("Users", user.pk))
        return self.resource_response(resource, response_parameters(self.request, ScimUser), status)


class UserView(UsersView):
    def user(self, user_id: str) -> User:
        return resource_of(User.objects.all(), user_id, "User")

    def get(self, request: HttpRequest, user_id: str) -> HttpResponse:
        return self.user_response(self.user(user_id))

    def put(self, request: HttpRequest, user_id: str) -> HttpResponse:
        user = self.user(user_id)
        resource = ScimUser.model_validate(json_body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        fields = changed_fields(user, user_fields(resource))
        return self.user_response(
            user_services.user_update(by=self.actor, user=user, expected_version=if_match_version(request), **fields)
        )

    def patch(self, request: HttpRequest, user_id: str) -> HttpResponse:
        user = self.user(user_id)
        patch = USER_PATCH.model_validate(json_body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        before = user_resource(user, self.location("Users", user.pk))
        after = before.model_copy(deep=True)
        patch.patch(after)
        fields = changed_fields(user, user_fields(after, before=before))
        return self.user_response(
            user_services.user_update(by=self.actor, user=user, expected_version=if_match_version(request), **fields)
        )

    def delete(self, request: HttpRequest, user_id: str) -> HttpResponse:
        # user_delete frees the user's licenses at once (the other half of issue 13, merged beside this).
        user_services.user_delete(by=self.actor, user=self.user(user_id), expected_version=if_match_version(request))
        return HttpResponse(status=204)
