"""Servers that hide an IMAP extension, and the interoperability table written from a test run.

``without(kind, extension)`` (fixture ``server_without``) starts a private Dovecot
(``imap_capability = <its list minus the extension>``) or Cyrus (``suppress_capabilities``)
that does not advertise ``extension`` (nor what depends on it: SORT=DISPLAY goes with SORT,
QRESYNC with CONDSTORE). The server still understands the commands: the app must not use them
because they are not advertised.

Tests marked ``@pytest.mark.interop("FEATURE")`` fill the table of docs/interoperability.md:
when ``WEBMAIL_INTEROP_REPORT`` names a file, the session writes it at its end (servers as
columns, features as rows, each cell the outcome of that test on that server).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot

#: The extensions the app uses, in the order of the table.
EXTENSIONS = (
    "SORT",
    "SORT=DISPLAY",
    "THREAD=REFERENCES",
    "ESEARCH",
    "CONDSTORE",
    "QRESYNC",
    "MOVE",
    "UIDPLUS",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "QUOTA",
    "NAMESPACE",
    "UNSELECT",
    "IDLE",
    "NOTIFY",
    "LITERAL+",
    "SASL-IR",
)
#: What goes with an extension when it is hidden.
IMPLIED: dict[str, tuple[str, ...]] = {
    "SORT": ("SORT=DISPLAY", "ESORT", "SORT=UID", "SORT=MODSEQ"),
    "CONDSTORE": ("QRESYNC",),
    "LIST-EXTENDED": ("LIST-STATUS", "LIST-MYRIGHTS", "LIST-METADATA"),
    "SPECIAL-USE": ("CREATE-SPECIAL-USE", "XLIST"),
    "LITERAL+": ("LITERAL-",),
    "ESEARCH": ("ESORT",),
}
SERVER_COLUMNS = {
    "dovecot": "Dovecot 2.3",
    "cyrus-alt": "Cyrus 3.6 (altnamespace)",
    "cyrus-default": "Cyrus 3.6 (INBOX. prefix)",
}


def hidden(extension: str) -> set[str]:
    return {extension, *IMPLIED.get(extension, ())}


def dovecot_capabilities(server: Dovecot) -> list[str]:
    """What ``server`` advertises after login (for imap_capability's full list)."""
    server.add_user("capabilities-probe", "probe-pw")
    client = server.client("capabilities-probe", "probe-pw")
    try:
        return [c.decode() for c in client.capabilities()]
    finally:
        client.logout()


_dovecot_caps: list[str] = []


@pytest.fixture
def server_without(
    dovecot: Dovecot,
    dovecot_factory: Callable[..., Dovecot],
    cyrus_factory: Callable[..., Cyrus],
) -> Callable[[str, str], Dovecot | Cyrus]:
    def make(kind: str, extension: str) -> Dovecot | Cyrus:
        gone = hidden(extension)
        if kind == "dovecot":
            if not _dovecot_caps:
                _dovecot_caps.extend(dovecot_capabilities(dovecot))
            kept = [c for c in _dovecot_caps if c.upper() not in gone]
            return dovecot_factory(extra_config=f"imap_capability = {' '.join(kept)}\n")
        return cyrus_factory(altnamespace=kind == "cyrus-alt", suppress_capabilities=sorted(gone))

    return make


# -- the interoperability table ---------------------------------------------------------------

_results: dict[tuple[str, str], str] = {}
_expected: set[tuple[str, str]] = set()


def _key(item: pytest.Item) -> tuple[str, str] | None:
    marker = item.get_closest_marker("interop")
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None:
        return None
    params = callspec.params
    server = params.get("kind") or params.get("imap_server") or params.get("acl_server")
    if server is None:
        return None
    return (str(marker.args[0]).format(**params), str(server))


def pytest_collection_finish(session: pytest.Session) -> None:
    _expected.update(key for item in session.items if (key := _key(item)) is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "interop(feature): a row of docs/interoperability.md (see capabilities.py)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    key = _key(item)
    if key is None:
        return
    if report.failed:
        _results[key] = "fails"
    elif report.when == "call" and report.passed and key not in _results:
        _results[key] = "works"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("WEBMAIL_INTEROP_REPORT")
    # Only a run of every interop test (all servers) writes the table, never a partial one.
    if not target or not _results or set(_results) != _expected or _partial(session):
        return
    Path(target).write_text(interop_table(_results))


def _partial(session: pytest.Session) -> bool:
    """True when the run left some interop tests out (-k, -m, a subset of files)."""
    return bool(session.config.getoption("keyword") or session.config.getoption("markexpr"))


def interop_table(results: dict[tuple[str, str], str]) -> str:
    features = list(dict.fromkeys(feature for feature, _server in results))  # in test order
    servers = [s for s in SERVER_COLUMNS if any(k[1] == s for k in results)]
    lines = [
        "# Interoperability",
        "",
        "Generated by the test run (tests/support/capabilities.py; `scripts/interop` rewrites it),",
        'not by hand. A row "hidden X" is the app on a server that does not advertise X: ',
        '"works" means the test of what X serves passed there (the feature works without it,',
        'or degrades as the test states); "fails" means it did not. Other rows are features',
        'tested on each server as it is configured by the test fixtures. "-": not tested',
        "there (the reason is in the test: e.g. Cyrus 3.6 advertises IDLE whatever",
        "suppress_capabilities says; Dovecot accepts the characters Cyrus refuses).",
        "",
        "| Feature | " + " | ".join(SERVER_COLUMNS[s] for s in servers) + " |",
        "|---|" + "---|" * len(servers),
    ]
    for feature in features:
        cells = [results.get((feature, s), "-") for s in servers]
        lines.append(f"| {feature} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
