"""Browser-test fixtures on top of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _live_server_helper() -> Iterator[None]:
    """Switch off pytest-django's helper of the same name for these tests.

    tests/conftest.py defines its own session ``live_server`` (Daphne in a subprocess, with its
    own SQLite database). pytest-django's autouse ``_live_server_helper`` sees that fixture name
    and then asks for ``transactional_db`` (a test database these tests never use, whose set-up
    fails under Playwright's running event loop) and calls
    ``live_server._live_server_modified_settings.enable()``, an attribute this LiveServer does
    not have. The browser tests talk to the server only over HTTP, so nothing is needed here.
    """
    yield
