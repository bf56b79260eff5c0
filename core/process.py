"""Start-up of a long-running server process (gunicorn worker, uvicorn, daphne).

Python's cyclic garbage collector stops the whole process while it walks every tracked
object of the generation it collects. A Django process holds a few hundred thousand objects
from start-up alone (modules, URL patterns, serializers, the ORM's models), and each full
(generation 2) pass walked them all again: measured on the realtime server with 1,000 open
sockets, passes of 100-350 ms froze every socket of the process (bench/results/ws.md). Those
objects live as long as the process, so they are moved once into the permanent generation
that the collector never walks (`gc.freeze`); what requests and sockets allocate later is
collected as usual.
"""

import gc

from django.urls import get_resolver


def freeze_startup_objects() -> int:
    """Load what every request needs (the URL configuration and, through it, every view,
    serializer and model), collect what start-up left behind, then exempt everything still
    alive from later collections. Returns the number of objects frozen.

    Call once per server process, after Django is set up and before serving; in a forking
    server, in each worker. Objects frozen are still freed by reference counting; only
    cycles among them are never collected, and start-up objects form none worth freeing."""
    get_resolver().url_patterns  # noqa: B018  (imports every view module, as a first request would)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
