"""Writes to users, admin roles and API tokens, one module per concern, each write audited in the same transaction
(docs/architecture.md, "Services"). Who acts travels as one `core.audit.Actor`, the `by=` argument."""
