from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from officeseries.api.views import ApiDocsView, api_not_found

api_urlpatterns = [
    path("", include("licensing.api.urls")),
    path("", include("accounts.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^[\s\S]*/$", api_not_found, name="api-catch-all"),  # any character, a newline too
]

urlpatterns = [
    path("", include("licensing.urls")),
    path("accounts/", include("accounts.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", include(api_urlpatterns)),
    path("scim/v2/", include("scim.urls")),
    path("graph/v1.0/", include("graph.urls")),
]
