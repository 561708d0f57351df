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

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from django.utils.translation import gettext
from django.utils.translation import gettext as _

from accounts.servers import (
    MailServer,
    domain_of,
    external_forwarding_allowed,
    sieve_server_for_login,
)
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
    "FiltersConflict",
    "FiltersOverview",
    "FiltersRefused",
    "activate_script",
    "check_raw_script",
    "delete_script",
    "filters_overview",
    "folder_names",
    "read_overview",
    "read_script",
    "read_script_or_none",
    "save_filters",
    "save_raw_script",
    "script_version",
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


class FiltersConflict(FiltersRefused):
    """The script changed on the server since the page that asked for the change read it."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            [
                _(
                    "Your filters were changed elsewhere (in another window, by another person "
                    "or another program) since you opened this page, so your change was not "
                    "saved. The page now shows them as they are: make your change again."
                )
            ]
        )


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
    #: `script_version` of the webmail's script as read: forms send it back with a change.
    version: str = "none"

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
    return _on_sieve(sieve_server_for_login(mail.login), mail.login, mail.password(), fn, timeout)


def _on_sieve(
    server: MailServer, login: str, password: str, fn: Callable[[ManageSieve], T], timeout: float
) -> T:
    conn = ManageSieve.open(server, login, password, timeout)
    try:
        return fn(conn)
    finally:
        conn.logout()


def folder_names(mail: MailSession) -> list[str]:
    def read(conn: IMAPConnection) -> list[str]:
        return sorted(f.name for f in conn.list_folders(subscribed_only=False) if f.selectable)

    return mail.run(read)


def script_version(text: str | None) -> str:
    """A short fingerprint of a script's content ("none" when there is no such script): what
    an edit page carries from the read to the save, to notice a change made meanwhile."""
    if text is None:
        return "none"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _current_text(sieve: ManageSieve, scripts: list[ScriptInfo], name: str) -> str | None:
    return sieve.get_script(name) if any(s.name == name for s in scripts) else None


def _check_version(expected: str | None, current: str | None) -> None:
    if expected and expected != script_version(current):
        raise FiltersConflict()


def _read_owned(
    sieve: ManageSieve, scripts: list[ScriptInfo]
) -> tuple[FilterSet, bool, str | None]:
    text = _current_text(sieve, scripts, OWNED_SCRIPT)
    if text is None:
        return FilterSet(), False, None
    try:
        return parse_script(text), False, text
    except ForeignScript:
        return FilterSet(), True, text


def _overview(sieve: ManageSieve) -> FiltersOverview:
    scripts = sieve.list_scripts()
    filters, unreadable, text = _read_owned(sieve, scripts)
    owned = next((s for s in scripts if s.name == OWNED_SCRIPT), None)
    return FiltersOverview(
        filters=filters,
        owned_unreadable=unreadable,
        owned_exists=owned is not None,
        owned_active=owned is not None and owned.active,
        scripts=scripts,
        capabilities=sieve.capabilities,
        version=script_version(text),
    )


def read_overview(server: MailServer, login: str, secret: str, timeout: float) -> FiltersOverview:
    """The overview's ManageSieve part, with given credentials (the out-of-office read, which
    runs off the request's thread: out_of_office.py)."""
    return _on_sieve(server, login, secret, _overview, timeout)


def filters_overview(
    mail: MailSession, *, with_folders: bool = True, timeout: float = 20.0
) -> FiltersOverview:
    overview = with_sieve(mail, _overview, timeout)
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
    expected_version: str | None = None,
) -> FilterSet:
    """Read the webmail's filters, apply ``change``, check and store the result.

    The script becomes active when no other script is (or when ``activate`` says so);
    FiltersRefused says what to fix and leaves the stored script as it was.
    ``expected_version``: the `script_version` the page showed; if the script changed since
    (another tab, another person, another program), FiltersConflict and nothing is saved.
    """
    folders = set(folder_names(mail))
    own_domain = domain_of(mail.login)
    forward_anywhere = external_forwarding_allowed(mail.login)

    def write(sieve: ManageSieve) -> FilterSet:
        scripts = sieve.list_scripts()
        current, unreadable, text = _read_owned(sieve, scripts)
        _check_version(expected_version, text)
        if unreadable:
            raise FiltersRefused(
                [
                    gettext(
                        "Your filter script was changed by another program. Open it in the "
                        "script editor (%(name)s) or delete it before making filters here."
                    )
                    % {"name": OWNED_SCRIPT}
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


def read_script_or_none(mail: MailSession, name: str) -> str | None:
    """The script ``name``, or None when there is no such script (a new one)."""
    return with_sieve(mail, lambda sieve: _current_text(sieve, sieve.list_scripts(), name))


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


def _check_name(name: str) -> None:
    if not name.strip() or any(c in name for c in "\r\n\0/") or len(name) > 100:
        raise FiltersRefused(["A script name is one line of up to 100 characters, without /."])


def save_raw_script(
    mail: MailSession, name: str, text: str, expected_version: str | None = None
) -> tuple[bool, str]:
    """Store ``text`` as ``name`` if the server accepts it: (saved, the server's verdict).

    ``expected_version``: the `script_version` of ``name`` when the editor loaded it ("none":
    a new script); FiltersConflict if it changed since, and nothing is stored."""
    _check_name(name)

    def put(sieve: ManageSieve) -> tuple[bool, str]:
        _check_version(expected_version, _current_text(sieve, sieve.list_scripts(), name))
        try:
            verdict = sieve.check_script(text)
            sieve.put_script(name, text)
        except ScriptRejected as exc:
            return False, exc.message
        return True, verdict

    return with_sieve(mail, put)


def delete_script(mail: MailSession, name: str, *, switch_off: bool = False) -> None:
    """Delete the script ``name``. The active script is refused (FiltersRefused) unless
    ``switch_off``: then it is switched off first (ManageSieve never deletes the active script,
    RFC 5804 2.10), and until another script is activated no filter runs."""
    _check_name(name)

    def delete(sieve: ManageSieve) -> None:
        found = next((s for s in sieve.list_scripts() if s.name == name), None)
        if found is None:
            raise FiltersRefused([_("There is no script %(name)s any more.") % {"name": name}])
        if found.active:
            if not switch_off:
                raise FiltersRefused(
                    [
                        _(
                            "%(name)s is the active script: switch it off before deleting it "
                            "(no filter runs until you activate another script)."
                        )
                        % {"name": name}
                    ]
                )
            sieve.set_active("")
        sieve.delete_script(name)

    with_sieve(mail, delete)
