from rest_framework.routers import SimpleRouter

from . import views

app_name = "accounts-api"

router = SimpleRouter()
router.register("tokens", views.ApiTokenViewSet, basename="token")

urlpatterns = router.urls
