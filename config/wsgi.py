import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the worker. Frozen,
# it is left out of the collector's full passes, which otherwise walk it all now and then in
# the middle of a request: the slowest grid and results requests went from 140–200 ms to about
# 70 ms in process (bench/README.md, "Tail latency"). Each worker imports this module after the
# fork (gunicorn without --preload), so the freeze happens in the worker at start-up.
gc.freeze()
