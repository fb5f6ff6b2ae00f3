"""REST endpoints of the organisation's users, each with the licenses the caller may see, and of one user's
licenses (`users/{id}/licenses/`, with an ETag that a write may send back as If-Match)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.serializers import UserCreateSerializer, UserUpdateSerializer
from accounts.models import User
from accounts.permissions import require_user_management
from accounts.selectors import users_page
from accounts.services.users import user_create, user_update
from core.audit import Actor
from core.choices import Source
from core.errors import NotFound
from core.ids import id_field
from licensing.filtersets import UserLicenseFilterSet
from licensing.models import Subscription
from licensing.selectors.assignments import licenses_version
from licensing.selectors.sources import users_licenses
from licensing.selectors.subscriptions import subscription_get
from licensing.services.named import user_licenses_change_named, user_licenses_set_named
from officeseries.api.exceptions import if_match_versions
from officeseries.api.filters import FilterSetKeptBackend
from officeseries.api.schema import version_headers

from .serializers import (
    USER_LICENSES_REPRESENTATION,
    LicensesChangeSerializer,
    LicensesSetSerializer,
    UserLicensesSerializer,
    UserSerializer,
)

_subscription_id = id_field("Subscription id.")
_user_id = id_field("User id.")

ETAG, IF_MATCH = version_headers("the user's licenses")


class UserFilterBackend(FilterSetKeptBackend):
    """The web list's UserLicenseFilterSet, kept on the view for its `count` (UserViewSet.list_count). A
    `subscription` in the query is one the caller must see (else 404): `product` and `licensed` then apply within
    it."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["subscription"] = self._subscription(request)
        return kwargs

    @staticmethod
    def _subscription(request) -> Subscription | None:
        value = request.query_params.get("subscription")
        if value in (None, ""):
            return None
        try:
            subscription_id = _subscription_id.run_validation(value)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"subscription": error.detail}) from error
        return subscription_get(actor=request.user, subscription_id=subscription_id)


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's users (every admin sees all of them), each with the licenses the caller may see, held or
    waited for, with their sources. Global and User Administrators create and edit users."""

    serializer_class = UserSerializer
    filter_backends = [UserFilterBackend]
    filterset_class = UserLicenseFilterSet
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    _license_change_errors = {
        400: ["product_not_in_subscription"],
        409: ["license_inherited", "licenses_reclaimed", "not_enough_licenses", "subscription_not_active"],
        412: [],
    }
    error_codes = {
        "list": {404: []},  # a `subscription` outside the caller's scope
        "licenses POST": _license_change_errors,
        "licenses PUT": _license_change_errors,
    }

    def get_queryset(self):
        return User.objects.all()

    def _with_licenses(self, users: list[User]) -> list[User]:
        """`users`, each with `licenses_listed`: the licenses they hold or wait for that the caller may see."""
        listed = users_licenses(user_ids=[user.pk for user in users], actor=self.request.user)
        for user in users:
            user.licenses_listed = listed[user.pk]
        return users

    def paginate_queryset(self, queryset):
        return self._with_licenses(super().paginate_queryset(queryset))

    def page_rows(self, page) -> list[User]:
        """The page's users, their ids read first (Pagination)."""
        return list(users_page(page))

    def list_count(self, queryset) -> int:
        """The list's `count`, from the pool counters where they know it (UserLicenseFilterSet.count)."""
        return self.filterset.count(queryset)

    def retrieve(self, request, *args, **kwargs):
        [user] = self._with_licenses([self.get_object()])
        return Response(UserSerializer(user).data)

    def _user_response(self, user: User, status_code: int = status.HTTP_200_OK) -> Response:
        [user] = self._with_licenses([self.get_queryset().get(pk=user.pk)])
        return Response(UserSerializer(user).data, status=status_code)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs):
        require_user_management(request.user)
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data, by=Actor(request.user, Source.API))
        return self._user_response(user, status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        require_user_management(request.user)
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_update(user=user, **serializer.validated_data, by=Actor(request.user, Source.API))
        return self._user_response(user)

    @extend_schema(methods=["GET"], request=None, responses=UserLicensesSerializer, parameters=[ETAG])
    @extend_schema(
        methods=["POST"],
        request=LicensesChangeSerializer,
        responses=UserLicensesSerializer,
        parameters=[ETAG, IF_MATCH],
        description="One atomic change: adds and removes in one call, all or nothing. Adding a license the user "
        "holds, or removing one they don't, changes nothing. Send `If-Match` with the ETag of a GET to refuse "
        "the change (412) when the licenses changed meanwhile.",
    )
    @extend_schema(
        methods=["PUT"],
        request=LicensesSetSerializer,
        responses=UserLicensesSerializer,
        parameters=[ETAG, IF_MATCH],
        description="The licenses the user should hold in the subscription, exactly; idempotent. `If-Match` as "
        "for POST.",
    )
    @action(detail=True, methods=["get", "post", "put"])
    def licenses(self, request, *args, **kwargs):
        """The licenses a user holds in every subscription the caller may see, with an ETag."""
        user = self.get_object() if request.method == "GET" else self._change_licenses(request)
        licenses = users_licenses(user_ids=[user.pk], actor=request.user)[user.pk]
        response = Response(USER_LICENSES_REPRESENTATION.to_representation({"user": user, "licenses": licenses}))
        # The version of exactly the rows in the body: an If-Match with it is refused (412) if anything changed.
        response["ETag"] = licenses_version(
            held=[
                (entry.assignment.pk, entry.assignment.direct, entry.assignment.disabled_plans)
                for entry in licenses
                if entry.assignment
            ],
            waiting=[entry.waiting.pk for entry in licenses if entry.waiting],
        )
        return response

    def _change_licenses(self, request) -> User:
        """Apply the POST (a change) or PUT (a set) to the user of the path; the user as read under their lock."""
        try:
            user_id = _user_id.run_validation(self.kwargs["pk"])
        except serializers.ValidationError as error:
            raise NotFound("User not found.") from error
        serializer_class = LicensesChangeSerializer if request.method == "POST" else LicensesSetSerializer
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        common = {
            "by": Actor(request.user, Source.API),
            "user_id": user_id,
            "subscription_id": data["subscription"],
            "disabled_plans": data["disabled_plans"],
            "expected_versions": if_match_versions(request),
        }
        if request.method == "POST":
            return user_licenses_change_named(add=data["add"], remove=data["remove"], **common).user
        return user_licenses_set_named(products=data["products"], **common).user
