from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors, sources and audit actions, the audit log and its writer, the command base class
    and id fields. It imports neither `accounts` nor `licensing` (docs/architecture.md)."""

    name = "core"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from . import lookups  # noqa: F401  (registers `__any_of`)
