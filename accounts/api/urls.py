from officeseries.api.routers import Router

from . import groups, views

app_name = "accounts-api"

router = Router()
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("groups", groups.GroupViewSet, basename="group")

urlpatterns = router.urls
