"""Filters, out-of-office and forwarding: the user's Sieve scripts over ManageSieve.

The webmail owns one script, `OWNED_SCRIPT`; what it holds is a `FilterSet` (rules in order,
vacation, forwarding), read back with `rules.parse_script` and written with
`rules.render_script`. Scripts of other clients are listed and can be activated or edited raw
(the server's CHECKSCRIPT verdict is shown line by line); they are never overwritten by a save
of the webmail's own filters. A save is checked first (`check_filters`, the folders the rules
file into, the domain's forwarding rule) and then stored with PUTSCRIPT, which the server
refuses as a whole if it finds an error: the previous script stays in place.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from django.contrib.sessions.backends.base import SessionBase

from accounts.servers import domain_of, external_forwarding_allowed, sieve_server_for_login
from mailview.imap.client import IMAPConnection
from mailview.services.session import MailSession
from mailview.sieve.client import Capabilities, ManageSieve, ScriptInfo
from mailview.sieve.errors import ScriptRejected, SieveCommandFailed
from mailview.sieve.rules import (
    FilterSet,
    ForeignScript,
    check_filters,
    parse_script,
    render_script,
)

__all__ = [
    "OWNED_SCRIPT",
    "Change",
    "CheckedLine",
    "FiltersOverview",
    "FiltersRefused",
    "VacationStatus",
    "activate_script",
    "check_raw_script",
    "filters_overview",
    "folder_names",
    "forget_vacation_status",
    "read_script",
    "save_filters",
    "save_raw_script",
    "vacation_status",
]

#: The name of the script the webmail writes.
OWNED_SCRIPT = "webmail"
T = TypeVar("T")
#: A change to the webmail's filters: the current set in, the new set out.
Change = Callable[[FilterSet], FilterSet]
_LINE = re.compile(r"^line (\d+): (.*)$")


class FiltersRefused(SieveCommandFailed):
    """The filters were not saved; `problems` says why, in words for the user."""

    status = 400

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "; ".join(problems), message="\n".join(problems), user_message=" ".join(problems)
        )
        self.problems = problems


@dataclass(frozen=True)
class FiltersOverview:
    """What the Filters page shows."""

    filters: FilterSet
    #: Set when the webmail's script exists but was edited elsewhere (its rules are not shown).
    owned_unreadable: bool
    owned_exists: bool
    owned_active: bool
    scripts: list[ScriptInfo]
    capabilities: Capabilities
    folders: list[str] = field(default_factory=list)
    external_forwarding: bool = True

    @property
    def foreign_scripts(self) -> list[ScriptInfo]:
        return [s for s in self.scripts if s.name != OWNED_SCRIPT]

    @property
    def active_foreign(self) -> ScriptInfo | None:
        return next((s for s in self.foreign_scripts if s.active), None)

    def missing_folders(self) -> set[str]:
        """Folders that rules file into and that no longer exist."""
        wanted = {
            a.value for r in self.filters.rules for a in r.actions if a.kind in ("move", "copy")
        }
        return wanted - set(self.folders)


@dataclass(frozen=True)
class CheckedLine:
    """A line of a raw script, with what the server said about it (if anything)."""

    number: int
    text: str
    problems: tuple[str, ...] = ()


def with_sieve(mail: MailSession, fn: Callable[[ManageSieve], T], timeout: float = 20.0) -> T:
    """Run ``fn`` on a ManageSieve connection logged in with the session's credentials."""
    server = sieve_server_for_login(mail.login)
    conn = ManageSieve.open(server, mail.login, mail.password(), timeout)
    try:
        return fn(conn)
    finally:
        conn.logout()


def folder_names(mail: MailSession) -> list[str]:
    def read(conn: IMAPConnection) -> list[str]:
        return sorted(f.name for f in conn.list_folders(subscribed_only=False) if f.selectable)

    return mail.run(read)


def _read_owned(sieve: ManageSieve, scripts: list[ScriptInfo]) -> tuple[FilterSet, bool]:
    if not any(s.name == OWNED_SCRIPT for s in scripts):
        return FilterSet(), False
    try:
        return parse_script(sieve.get_script(OWNED_SCRIPT)), False
    except ForeignScript:
        return FilterSet(), True


def filters_overview(
    mail: MailSession, *, with_folders: bool = True, timeout: float = 20.0
) -> FiltersOverview:
    def read(sieve: ManageSieve) -> FiltersOverview:
        scripts = sieve.list_scripts()
        filters, unreadable = _read_owned(sieve, scripts)
        owned = next((s for s in scripts if s.name == OWNED_SCRIPT), None)
        return FiltersOverview(
            filters=filters,
            owned_unreadable=unreadable,
            owned_exists=owned is not None,
            owned_active=owned is not None and owned.active,
            scripts=scripts,
            capabilities=sieve.capabilities,
        )

    overview = with_sieve(mail, read, timeout)
    folders = folder_names(mail) if with_folders else []
    return replace(
        overview, folders=folders, external_forwarding=external_forwarding_allowed(mail.login)
    )


def _forwarding_targets(filters: FilterSet) -> list[str]:
    targets = [
        a.value
        for r in filters.rules
        if r.enabled
        for a in r.actions
        if a.kind in ("redirect", "redirect_copy")
    ]
    if filters.forwarding.enabled:
        targets.append(filters.forwarding.address)
    return targets


def save_filters(
    mail: MailSession,
    change: Change,
    *,
    activate: bool | None = None,
) -> FilterSet:
    """Read the webmail's filters, apply ``change``, check and store the result.

    The script becomes active when no other script is (or when ``activate`` says so);
    FiltersRefused says what to fix and leaves the stored script as it was.
    """
    folders = set(folder_names(mail))
    own_domain = domain_of(mail.login)
    forward_anywhere = external_forwarding_allowed(mail.login)

    def write(sieve: ManageSieve) -> FilterSet:
        scripts = sieve.list_scripts()
        current, unreadable = _read_owned(sieve, scripts)
        if unreadable:
            raise FiltersRefused(
                [
                    "Your filter script was changed by another program. Open it in the "
                    f"script editor ({OWNED_SCRIPT}) or delete it before making filters here."
                ]
            )
        updated = change(current)
        problems = check_filters(updated, sieve.capabilities.sieve)
        for rule in updated.rules:
            for action in rule.actions:
                if action.kind in ("move", "copy") and action.value not in folders:
                    problems.append(
                        f"The folder {action.value!r} (rule {rule.name!r}) does not exist."
                    )
        if not forward_anywhere:
            for target in _forwarding_targets(updated):
                if domain_of(target) != own_domain:
                    problems.append(
                        f"Forwarding to {target} is not allowed: your organisation allows "
                        "forwarding only to addresses of your own domain."
                    )
        if problems:
            raise FiltersRefused(list(dict.fromkeys(problems)))
        try:
            sieve.put_script(OWNED_SCRIPT, render_script(updated))
        except ScriptRejected as exc:
            raise FiltersRefused([f"The mail server refused the filters: {exc.message}"]) from None
        others_active = any(s.active and s.name != OWNED_SCRIPT for s in scripts)
        if activate or (activate is None and not others_active):
            sieve.set_active(OWNED_SCRIPT)
        return updated

    return with_sieve(mail, write)


def activate_script(mail: MailSession, name: str) -> None:
    """Make ``name`` the active script ("" switches all scripts off)."""
    with_sieve(mail, lambda sieve: sieve.set_active(name))


def read_script(mail: MailSession, name: str) -> str:
    return with_sieve(mail, lambda sieve: sieve.get_script(name))


def checked_lines(text: str, verdict: str) -> list[CheckedLine]:
    """The script's lines, each with the server's errors and warnings for it."""
    found: dict[int, list[str]] = {}
    for raw in verdict.splitlines():
        match = _LINE.match(raw.strip())
        if match:
            found.setdefault(int(match.group(1)), []).append(match.group(2))
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [CheckedLine(i, line, tuple(found.get(i, ()))) for i, line in enumerate(lines, 1)]


def check_raw_script(mail: MailSession, text: str) -> tuple[bool, str]:
    """(valid, the server's verdict) for ``text`` (CHECKSCRIPT; nothing is stored)."""

    def check(sieve: ManageSieve) -> tuple[bool, str]:
        try:
            return True, sieve.check_script(text)
        except ScriptRejected as exc:
            return False, exc.message

    return with_sieve(mail, check)


def save_raw_script(mail: MailSession, name: str, text: str) -> tuple[bool, str]:
    """Store ``text`` as ``name`` if the server accepts it: (saved, the server's verdict)."""
    if not name.strip() or any(c in name for c in "\r\n\0/") or len(name) > 100:
        raise FiltersRefused(["A script name is one line of up to 100 characters, without /."])

    def put(sieve: ManageSieve) -> tuple[bool, str]:
        try:
            verdict = sieve.check_script(text)
            sieve.put_script(name, text)
        except ScriptRejected as exc:
            return False, exc.message
        return True, verdict

    return with_sieve(mail, put)


#: How long the mailbox banner trusts what it last read of the out-of-office state (seconds);
#: a save through the webmail updates it at once.
VACATION_STATUS_TTL = 300.0
_VACATION_KEY = "webmail_vacation"


@dataclass(frozen=True)
class VacationStatus:
    on: bool
    end: date | None = None


def vacation_status(mail: MailSession, session: SessionBase, today: date) -> VacationStatus:
    """Whether the out-of-office reply runs today (for the mailbox banner), read from the
    server at most every VACATION_STATUS_TTL seconds per login session."""
    cached = session.get(_VACATION_KEY)
    now = time.time()
    if not (isinstance(cached, list) and len(cached) == 4 and cached[0] > now):
        # Not known: say "off" for the TTL, also when the server cannot be asked (no
        # ManageSieve, or it is down), so a mailbox page never waits on it twice.
        session[_VACATION_KEY] = cached = [now + VACATION_STATUS_TTL, False, "", ""]
        overview = filters_overview(mail, with_folders=False, timeout=5.0)
        vac = overview.filters.vacation
        cached = [
            now + VACATION_STATUS_TTL,
            vac.enabled and overview.owned_active,
            vac.start.isoformat() if vac.start else "",
            vac.end.isoformat() if vac.end else "",
        ]
        session[_VACATION_KEY] = cached
    _expires, running, start, end = cached
    start_day = date.fromisoformat(start) if start else None
    end_day = date.fromisoformat(end) if end else None
    on = bool(running) and (start_day is None or start_day <= today)
    on = on and (end_day is None or today <= end_day)
    return VacationStatus(on, end_day)


def forget_vacation_status(session: SessionBase) -> None:
    session.pop(_VACATION_KEY, None)


def vacation_status_known(session: SessionBase) -> bool:
    """Is the out-of-office state kept in ``session`` still good (see vacation_status)?"""
    cached = session.get(_VACATION_KEY)
    return isinstance(cached, list) and len(cached) == 4 and cached[0] > time.time()
