"""The server's entry points set the garbage collector for serving (officeseries.collector)."""

import gc
import importlib

import pytest

from officeseries.collector import YOUNG_GENERATION_THRESHOLD


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("entry_point", ["officeseries.wsgi", "officeseries.asgi"])
def test_an_entry_point_freezes_the_loaded_application_and_collects_the_young_less_often(
    entry_point, collector_restored
):
    assert gc.get_freeze_count() == 0
    importlib.reload(importlib.import_module(entry_point))
    assert gc.get_freeze_count() > 10_000  # the modules, URL patterns and templates loaded so far
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
