from django.utils.functional import SimpleLazyObject

from accounts.permissions import admin_scope

from .selectors.alerts import notices_unread_count


def notices(request) -> dict:
    """The unread-notices badge of the top bar: counted only when a page shows it (htmx fragments do not), one
    query per page."""
    user = getattr(request, "user", None)
    if not admin_scope(user).is_admin:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: notices_unread_count(actor=user))}
