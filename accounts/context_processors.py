from .permissions import admin_scope as scope_of


def admin_scope(request) -> dict:
    """Templates show only what the signed-in admin may use."""
    return {"admin_scope": scope_of(getattr(request, "user", None))}
