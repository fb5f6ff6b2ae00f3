"""What every REST endpoint under /api/v1/ shares, laid out as NetBox's `netbox/api/` is: authentication and the
admin-role gate, pagination with a stable order, one error body for every error (`{"error": {"code", "message",
"details"}}`, codes from core.errors) with ETag preconditions, and the schema that documents them."""
