"""Pytest fixtures for a real, private Cyrus IMAP, and the server parametrization.

- ``cyrus_alt`` / ``cyrus_default`` (session): one started instance per namespace mode
  (``altnamespace`` + ``unixhierarchysep``: top-level folders, ``/``; Cyrus' default:
  ``INBOX.`` prefix, ``.``).
- ``cyrus_factory``: ``make(altnamespace=True, suppress_capabilities=(), tls=True) -> Cyrus``,
  private instances stopped and removed after the test.
- ``imap_server``: the server ``mail_user_factory`` (so ``alice`` and ``bob``) and the app's
  ``mail_server`` use. Dovecot unless the test or its module is marked
  ``@pytest.mark.all_servers``: then the test runs once per server, ids ``dovecot``,
  ``cyrus-alt``, ``cyrus-default``; the Cyrus runs carry the ``cyrus`` marker, so
  ``-m "not cyrus"`` keeps a run on Dovecot.
- ``WEBMAIL_TEST_ALL_SERVERS=1``: every test that uses a mail user or the app's server runs on
  each server (to see how the whole suite fares on Cyrus; not part of CI).
- ``@pytest.mark.only_on("dovecot", reason=...)``: a test of an ``all_servers`` module that can
  only hold on some servers says which and why (the others are not generated, not skipped).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

import pytest

from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot

from .dovecot import make_dovecot_root

ImapServer = Dovecot | Cyrus

SERVERS = ("dovecot", "cyrus-alt", "cyrus-default")

#: Modules whose every test (that uses a mail user or the app's server) runs on each server,
#: as if marked ``all_servers``: the IMAP-level, service and view tests.
ALL_SERVER_MODULES = frozenset(
    {
        "tests.services.test_folders",
        "tests.services.test_search",
        "tests.services.test_threads",
        "tests.views.test_failures",
        "tests.views.test_people",
        "tests.live.test_updates",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "all_servers: run once against Dovecot and Cyrus in both namespace modes"
    )
    config.addinivalue_line("markers", "cyrus: a run against Cyrus (see tests/support/cyrus.py)")
    config.addinivalue_line(
        "markers", "only_on(*servers, reason): the servers on which this test can hold"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "imap_server" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker("all_servers") is not None
    everywhere = os.environ.get("WEBMAIL_TEST_ALL_SERVERS") == "1"
    if not (marked or everywhere) and metafunc.module.__name__ not in ALL_SERVER_MODULES:
        return
    names: Sequence[str] = SERVERS
    only = metafunc.definition.get_closest_marker("only_on")
    if only is not None:
        if not only.kwargs.get("reason"):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: only_on needs a reason")
        names = [name for name in SERVERS if name in only.args]
    params = [
        pytest.param(name, id=name, marks=[pytest.mark.cyrus] if name != "dovecot" else [])
        for name in names
    ]
    metafunc.parametrize("imap_server", params, indirect=True)


def _session_cyrus(altnamespace: bool) -> Iterator[Cyrus]:
    server = Cyrus(make_dovecot_root("webmail-cyrus-"), altnamespace=altnamespace)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def cyrus_alt() -> Iterator[Cyrus]:
    yield from _session_cyrus(True)


@pytest.fixture(scope="session")
def cyrus_default() -> Iterator[Cyrus]:
    yield from _session_cyrus(False)


@pytest.fixture
def imap_server(request: pytest.FixtureRequest) -> ImapServer:
    name = getattr(request, "param", "dovecot")
    if name == "dovecot":
        server: ImapServer = request.getfixturevalue("dovecot")
    elif name == "cyrus-alt":
        server = request.getfixturevalue("cyrus_alt")
    else:
        server = request.getfixturevalue("cyrus_default")
    return server


def server_name(server: ImapServer) -> str:
    """``dovecot``, ``cyrus-alt`` or ``cyrus-default``."""
    return server.name if isinstance(server, Cyrus) else "dovecot"


@pytest.fixture
def cyrus_factory() -> Iterator[Callable[..., Cyrus]]:
    servers: list[Cyrus] = []

    def make(
        *,
        altnamespace: bool = True,
        suppress_capabilities: Sequence[str] = (),
        extra_config: str = "",
        tls: bool = True,
    ) -> Cyrus:
        server = Cyrus(
            make_dovecot_root("webmail-cyrus-"),
            altnamespace=altnamespace,
            suppress_capabilities=suppress_capabilities,
            extra_config=extra_config,
            tls=tls,
        )
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.remove()
