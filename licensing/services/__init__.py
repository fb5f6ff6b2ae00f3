"""The only code that writes licensing data, one module per concern (docs/architecture.md, "Services").

Every service is keyword-only and atomic: it checks the actor's permission through accounts.permissions, takes its
locks through `locks` (the one lock order), checks everything and raises a domain error before any write, then
writes rows, counters (F() expressions) and audit events (core.audit) in the same transaction. Who acts and
through what travels as one `core.audit.Actor`, the `by=` argument.
"""
