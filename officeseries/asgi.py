"""ASGI entry point, with the garbage collector set for a server (collector_tune)."""

import os

from django.core.asgi import get_asgi_application

from .collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")
application = get_asgi_application()
collector_tune()
