"""Django's PostgreSQL backend as settings.DATABASES names it (`core.postgresql`): see base.py."""
