"""Reads for pages, endpoints and commands, one module per entity. Every selector that takes an actor narrows to
what that admin may see (docs/architecture.md, "Selectors")."""
