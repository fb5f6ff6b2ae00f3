"""WSGI entry point (gunicorn officeseries.wsgi), with the garbage collector set for a server (collector_tune)."""

import os

from django.core.wsgi import get_wsgi_application

from .collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")
application = get_wsgi_application()
collector_tune()
