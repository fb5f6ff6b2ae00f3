"""Python's garbage collector set for a server process (README, "Performance": "The garbage collector").

A request to a list allocates tens of thousands of objects (rows, model instances, the dicts of a page). With
Python's defaults the collector ran some six young collections a request, and every twenty or so requests a full
one that walked all of the process's ~140,000 long-lived objects (modules, URL patterns, templates, compiled SQL):
about a sixth of a list request's CPU time went to it, though a request makes almost no reference cycles.
"""

import gc

# Objects allocated (net) before a young collection; Python's default is 700.
YOUNG_GENERATION_THRESHOLD = 50_000


def collector_tune() -> None:
    """Once the application is loaded: freeze what it holds now, so no collection walks it again (it lives as long
    as the process), and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
