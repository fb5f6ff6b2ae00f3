from officeseries.api.routers import Router

from . import views

app_name = "accounts-api"

router = Router()
router.register("tokens", views.ApiTokenViewSet, basename="token")

urlpatterns = router.urls
