"""URL path converters, registered here once for every urls.py.

Django's `str` converter passes NUL and other control characters on to the view, and PostgreSQL refuses a NUL
in a query with a server error. `segment` does not match them, so such a URL is simply not found.
"""

from django.urls import converters, register_converter


class SegmentConverter(converters.StringConverter):
    """One path segment (dots allowed) without control characters."""

    regex = r"[^/\x00-\x1f\x7f]+"


register_converter(SegmentConverter, "segment")
