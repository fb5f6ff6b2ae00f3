from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("licensing.urls")),
    path("accounts/", include("accounts.urls")),
    path("django-admin/", admin.site.urls),
]
