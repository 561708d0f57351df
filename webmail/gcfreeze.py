"""The objects a worker makes once (modules, URLconf, settings, templates, catalogues) moved out
of the garbage collector's sight.

CPython's cyclic collector walks every tracked object of the oldest generation on each full
collection: in a worker that is about 150,000 objects, nearly all made at start-up and never
freed, and a full collection took 67 ms (docs/benchmarks.md, issue 14), paid by whichever
request happened to allocate at that moment. ``gc.freeze()`` moves the objects that exist now
into a permanent generation that collections skip; what requests make later is collected as
before. A worker freezes twice: when the ASGI application is built, and once after its first
requests have imported the rest (views, compiled templates, the Jinja2 row template,
translation catalogues).
"""

from __future__ import annotations

import gc

from django.urls import get_resolver

#: Requests after which a worker freezes once more.
FREEZE_AGAIN_AFTER = 200


def freeze_long_lived() -> int:
    """Collect, then freeze everything still alive; the number of objects frozen in all."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module of the URLconf
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
