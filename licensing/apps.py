from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"

    def ready(self) -> None:
        # accounts never imports licensing: it signals membership changes, and group licenses follow them here.
        from accounts.signals import memberships_changed

        from .services.group_licenses import memberships_licenses_follow

        memberships_changed.connect(memberships_licenses_follow, dispatch_uid="licensing.group_licenses")
