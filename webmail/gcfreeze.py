"""The objects a worker makes once (modules, URLconf, settings, templates, catalogues) moved out
of the garbage collector's sight.

CPython's cyclic collector walks every tracked object of the oldest generation on each full
collection: in a worker that is about 150,000 objects, nearly all made at start-up and never
freed, and a full collection took 67 ms (docs/benchmarks.md, issue 14), paid by whichever
request happened to allocate at that moment. ``gc.freeze()`` moves the objects that exist now
into a permanent generation that collections skip; what requests make later is collected as
before. A worker freezes twice: when the ASGI application is built, and once after its first
requests have imported the rest (views, compiled templates, the Jinja2 search templates,
translation catalogues).

The youngest generation is also collected less often (`collect_young_less_often`): at CPython's
default, a collection every 700 new objects, a fresh search page (a FETCH of 50 rows parsed,
summarised and drawn) paid two collections, 0.24 ms; every 10,000 objects it pays one now and
then. What they collect is the same cycles, a few requests later.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver

#: Requests after which a worker freezes once more.
FREEZE_AGAIN_AFTER = 200
#: New objects (allocations less deallocations) between collections of the youngest generation.
YOUNG_THRESHOLD = 10_000


def freeze_long_lived() -> int:
    """Collect, then freeze everything still alive; the number of objects frozen in all."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module of the URLconf
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def collect_young_less_often() -> None:
    """Collect the youngest generation every YOUNG_THRESHOLD new objects (older ones as set)."""
    _young, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
