from officeseries.api.routers import Router

from . import groups, users, views

app_name = "licensing-api"

router = Router()
router.register("subscriptions", views.SubscriptionViewSet, basename="subscription")
router.register("products", views.ProductViewSet, basename="product")
router.register("pools", views.PoolViewSet, basename="pool")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("users", users.UserViewSet, basename="user")
router.register("groups", groups.GroupLicensesViewSet, basename="group")  # only groups/{id}/licenses/

urlpatterns = router.urls
