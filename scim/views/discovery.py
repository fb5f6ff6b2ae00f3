"""/scim/v2/ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4): what this service supports, built by
scim2-models from the same resource models the endpoints read and write."""

from django.http import HttpRequest, HttpResponse
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    ListResponse,
    Meta,
    NotFoundException,
    NotImplementedException,
    Pagination,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
)
from scim2_models import Group as ScimGroup

from ..http import DEFAULT_COUNT, MAX_COUNT, ScimView, scim_response
from ..users import ScimUser

RESOURCES = [ScimUser, ScimGroup]
# The attributes the admin center keeps (with the sub-attributes it keeps), the only ones its schemas publish: a
# provider may send others, which are accepted and ignored.
KEPT = {
    "userName": set(),
    "name": {"formatted"},
    "displayName": set(),
    "title": set(),
    "active": set(),
    "emails": {"value", "type"},
    "addresses": {"country", "type"},
    "department": set(),
    "members": {"value", "$ref"},
}
# Required in what the schemas publish, so that a client does not expect to remove them: a user is enabled or not.
REQUIRED = {"userName", "active"}
# What each kept value can be: one work email; one work address, whose country is an ISO 3166
# alpha-2 code (a few of them as examples).
CANONICAL = {
    ("emails", "type"): ["work"],
    ("addresses", "type"): ["work"],
    ("addresses", "country"): ["US", "GB", "DE", "FR", "NL", "IN", "JP", "AU", "CA", "BR"],
}


def published(schema: Schema) -> Schema:
    schema.attributes = [attribute for attribute in schema.attributes or [] if attribute.name in KEPT]
    for attribute in schema.attributes:
        attribute.required = attribute.required or attribute.name in REQUIRED
        kept = KEPT[attribute.name]
        attribute.sub_attributes = [sub for sub in attribute.sub_attributes or [] if sub.name in kept] or None
        for sub in attribute.sub_attributes or []:
            sub.canonical_values = CANONICAL.get((attribute.name, sub.name), sub.canonical_values)
            if sub.name == "$ref":
                sub.reference_types = ["User"]  # groups are not nested
    return schema


SCHEMAS = [published(model.to_schema()) for model in (ScimUser, EnterpriseUser, ScimGroup)]


class ServiceProviderConfigView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        config = ServiceProviderConfig(
            patch=Patch(supported=True),
            bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
            filter=Filter(supported=True, max_results=MAX_COUNT),
            change_password=ChangePassword(supported=False),
            sort=Sort(supported=False),
            etag=ETag(supported=True),
            pagination=Pagination(
                cursor=False,
                index=True,
                default_pagination_method="index",
                default_page_size=DEFAULT_COUNT,
                max_page_size=MAX_COUNT,
            ),
            authentication_schemes=[
                AuthenticationScheme(
                    type="oauthbearertoken",
                    name="Bearer token",
                    description="An API token of a Global or User Administrator: manage.py create_api_token EMAIL.",
                    primary=True,
                )
            ],
            meta=Meta(resource_type="ServiceProviderConfig", location=self.location_of("ServiceProviderConfig")),
        )
        return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))

    def location_of(self, path: str) -> str:
        return self.request.build_absolute_uri(f"/scim/v2/{path}")


class SearchView(ScimView):
    def post(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedException(
            detail="Searching several resource types at once is not supported: GET /Users or /Groups with a filter."
        )


class ResourceTypesView(ServiceProviderConfigView):
    def resource_types(self) -> list[ResourceType]:
        types = [ResourceType.from_resource(model) for model in RESOURCES]
        for resource_type in types:
            resource_type.meta = Meta(
                resource_type="ResourceType", location=self.location_of(f"ResourceTypes/{resource_type.id}")
            )
        return types

    def get(self, request: HttpRequest) -> HttpResponse:
        return listed(self.resource_types(), ResourceType)


class ResourceTypeView(ResourceTypesView):
    def get(self, request: HttpRequest, name: str) -> HttpResponse:
        found = next((type_ for type_ in self.resource_types() if type_.id == name), None)
        if found is None:
            raise NotFoundException(detail=f"No resource type {name}.")
        return scim_response(found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


class SchemasView(ServiceProviderConfigView):
    def schemas(self) -> list[Schema]:
        schemas = [schema.model_copy(deep=True) for schema in SCHEMAS]
        for schema in schemas:
            schema.meta = Meta(resource_type="Schema", location=self.location_of(f"Schemas/{schema.id}"))
        return schemas

    def get(self, request: HttpRequest) -> HttpResponse:
        return listed(self.schemas(), Schema)


class SchemaView(SchemasView):
    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        found = next((schema for schema in self.schemas() if schema.id == urn), None)
        if found is None:
            raise NotFoundException(detail=f"No schema {urn}.")
        return scim_response(found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def listed(resources: list, model) -> HttpResponse:
    response = ListResponse[model](
        total_results=len(resources), start_index=1, items_per_page=len(resources), resources=resources
    )
    return scim_response(response.model_dump(scim_ctx=Context.SEARCH_RESPONSE))
