from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"

    def ready(self) -> None:
        # accounts never imports licensing: it signals membership changes and deletions, and licenses follow here.
        from accounts.signals import memberships_changed, user_deleting

        from .services.group_licenses import memberships_licenses_follow
        from .services.reclaim import user_deleting_licenses_free

        memberships_changed.connect(memberships_licenses_follow, dispatch_uid="licensing.group_licenses")
        user_deleting.connect(user_deleting_licenses_free, dispatch_uid="licensing.user_deleting")
