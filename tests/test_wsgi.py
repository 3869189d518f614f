"""The WSGI entry point freezes what start-up loaded (see config/wsgi.py)."""

import gc
import importlib
import sys


def test_the_wsgi_module_freezes_the_start_up_objects():
    gc.unfreeze()
    sys.modules.pop("config.wsgi", None)
    try:
        module = importlib.import_module("config.wsgi")
        assert callable(module.application)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
