from rest_framework.routers import SimpleRouter

import officeseries.converters  # noqa: F401  (registers the `segment` converter)


class Router(SimpleRouter):
    """DRF's router with path converters instead of its `[^/.]+`, which lets NUL and other control characters
    through to the database. A lookup is an `int` (every primary key here is one) unless the viewset names
    another converter in `lookup_value_converter`, e.g. `segment` (see officeseries.converters); either way a
    URL with a control character in it reaches no view and gets the API's 404 body."""

    def __init__(self) -> None:
        super().__init__(use_regex_path=False)
        self._default_value_pattern = "int"
