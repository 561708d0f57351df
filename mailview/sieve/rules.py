"""The one Sieve script the webmail owns: rules, out-of-office and forwarding, as typed data.

`render_script(filters)` writes the script; `parse_script(text)` reads back a script that
`render_script` wrote. The round trip does not re-parse Sieve: the script carries its own
description in one comment line (``# webmail-filters: {json}``, JSON with every control
character escaped, so it can never end the comment), and the Sieve below it is generated from
that description. A script without a readable description raises `ForeignScript`: it was
written (or edited) by another program, and the webmail will not overwrite it as its own.

Every user value reaches the script through `quoting` (no line breaks in one-line values,
quotes and backslashes escaped); `check_filters` says what a form must fix first.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from .quoting import UnsafeValue, header_name, sieve_string, sieve_string_list

__all__ = [
    "ACTION_KINDS",
    "CONDITION_FIELDS",
    "Action",
    "Condition",
    "FilterSet",
    "ForeignScript",
    "Forwarding",
    "Rule",
    "Vacation",
    "check_filters",
    "is_address",
    "parse_script",
    "render_script",
]

MARKER = "# webmail-filters: "
VERSION = 1

#: Condition fields: From, To or Cc, Subject, any header, List-Id, size (KB), attachment.
CONDITION_FIELDS = (
    "from",
    "to_cc",
    "subject",
    "header",
    "list_id",
    "size_over",
    "size_under",
    "has_attachment",
)
MATCH_KINDS = ("contains", "is", "not_contains")
#: Actions, in the order they are written inside a rule (flags before filing).
ACTION_KINDS = (
    "mark_read",
    "flag",
    "move",
    "copy",
    "redirect",
    "redirect_copy",
    "reject",
    "discard",
    "stop",
)
_ADDRESS = re.compile(r"[^\s@\"<>,;()\[\]\\]+@[^\s@\"<>,;()\[\]\\]+\.?[^\s@\"<>,;()\[\]\\]*")


class ForeignScript(ValueError):
    """The script is not one the webmail wrote (or it was edited elsewhere)."""


@dataclass(frozen=True)
class Condition:
    field: str
    value: str = ""
    match: str = "contains"
    header: str = ""


@dataclass(frozen=True)
class Action:
    kind: str
    value: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    match_all: bool = True
    enabled: bool = True


@dataclass(frozen=True)
class Vacation:
    enabled: bool = False
    subject: str = ""
    text: str = ""
    addresses: tuple[str, ...] = ()
    days: int = 7
    start: date | None = None
    end: date | None = None
    #: With the vacation-seconds extension (RFC 6131): the interval in seconds instead of days.
    seconds: int = 0
    #: An HTML version of ``text`` (already sanitized by the caller): sent as
    #: multipart/alternative with ``:mime`` (RFC 5230 4.4).
    html: str = ""


@dataclass(frozen=True)
class Forwarding:
    enabled: bool = False
    address: str = ""
    keep_copy: bool = True


@dataclass(frozen=True)
class FilterSet:
    rules: tuple[Rule, ...] = ()
    vacation: Vacation = field(default_factory=Vacation)
    forwarding: Forwarding = field(default_factory=Forwarding)


def is_address(value: str) -> bool:
    return bool(_ADDRESS.fullmatch(value))


# -- checking -------------------------------------------------------------------------------


def check_rule(rule: Rule, extensions: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with ``rule`` (empty when it can be written)."""
    problems: list[str] = []
    if not rule.name.strip() or any(c in rule.name for c in "\r\n\0"):
        problems.append("Give the rule a name (one line).")
    if not rule.conditions:
        problems.append("Add at least one condition.")
    for cond in rule.conditions:
        if cond.field not in CONDITION_FIELDS or cond.match not in MATCH_KINDS:
            problems.append("Unknown condition.")
        elif cond.field in ("size_over", "size_under"):
            if not cond.value.isdigit() or int(cond.value) <= 0:
                problems.append("A size is a whole number of kilobytes.")
        elif cond.field == "has_attachment":
            if "mime" not in extensions:
                problems.append("This server cannot test for attachments.")
        elif cond.field == "header" and not _safe(header_name, cond.header):
            problems.append(f"{cond.header!r} is not a header name.")
        elif not cond.value or not _safe(sieve_string, cond.value):
            problems.append("A condition needs a value of one line.")
    kinds = [a.kind for a in rule.actions]
    if not kinds:
        problems.append("Add at least one action.")
    for action in rule.actions:
        if action.kind not in ACTION_KINDS:
            problems.append("Unknown action.")
        elif action.kind in ("move", "copy") and not _safe(sieve_string, action.value):
            problems.append("Choose a folder.")
        elif action.kind in ("move", "copy") and not action.value:
            problems.append("Choose a folder.")
        elif action.kind in ("redirect", "redirect_copy") and not is_address(action.value):
            problems.append(f"{action.value!r} is not an email address.")
        elif action.kind == "reject" and not _safe(sieve_string, action.value, multiline=True):
            problems.append("The reject message cannot contain a NUL character.")
    if ("reject" in kinds or "discard" in kinds) and set(kinds) - {"reject", "discard", "stop"}:
        problems.append("Reject and discard cannot be combined with other actions.")
    if "reject" in kinds and "reject" not in extensions:
        problems.append("This server cannot reject messages.")
    return problems


def check_filters(filters: FilterSet, extensions: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with the whole set (rules, vacation, forwarding)."""
    problems = [p for rule in filters.rules for p in check_rule(rule, extensions)]
    vac = filters.vacation
    if vac.enabled:
        if not vac.text.strip():
            problems.append("Write the text of the out-of-office reply.")
        if not _safe(sieve_string, vac.subject) or not _safe(sieve_string, vac.text, True):
            problems.append("The subject must be one line.")
        if not all(is_address(a) for a in vac.addresses):
            problems.append("The out-of-office addresses must be email addresses.")
        if vac.seconds and "vacation-seconds" not in extensions:
            problems.append("This server counts the reply interval in days only.")
        elif not vac.seconds and not 1 <= vac.days <= 365:
            problems.append("Reply to each sender once every 1 to 365 days.")
        if vac.start and vac.end and vac.end < vac.start:
            problems.append("The out-of-office period ends before it starts.")
    fwd = filters.forwarding
    if fwd.enabled and not is_address(fwd.address):
        problems.append(f"{fwd.address!r} is not an email address.")
    return problems


def _safe(fn: Any, value: str, multiline: bool = False) -> bool:
    try:
        if multiline:
            fn(value, multiline=True)
        else:
            fn(value)
    except UnsafeValue:
        return False
    return True


# -- writing --------------------------------------------------------------------------------


def _test(cond: Condition, needs: set[str]) -> str:
    negate = cond.match == "not_contains"
    match = ":is" if cond.match == "is" else ":contains"
    if cond.field == "from":
        test = f'address :all {match} "from" {sieve_string(cond.value)}'
    elif cond.field == "to_cc":
        test = f'address :all {match} ["to", "cc"] {sieve_string(cond.value)}'
    elif cond.field in ("subject", "list_id", "header"):
        name = {"subject": "subject", "list_id": "list-id"}.get(cond.field) or header_name(
            cond.header
        )
        test = f"header {match} {sieve_string(name)} {sieve_string(cond.value)}"
    elif cond.field in ("size_over", "size_under"):
        test = f"size :{cond.field[5:]} {int(cond.value)}K"
    else:  # has_attachment
        needs.add("mime")
        test = 'header :mime :anychild :contains "Content-Disposition" "attachment"'
    return f"not {test}" if negate else test


def _action(action: Action, needs: set[str]) -> str:
    kind = action.kind
    if kind in ("mark_read", "flag"):
        needs.add("imap4flags")
        return 'addflag "\\\\Seen";' if kind == "mark_read" else 'addflag "\\\\Flagged";'
    if kind == "move":
        needs.add("fileinto")
        return f"fileinto {sieve_string(action.value)};"
    if kind == "copy":
        needs.update(("fileinto", "copy"))
        return f"fileinto :copy {sieve_string(action.value)};"
    if kind == "redirect":
        return f"redirect {sieve_string(action.value)};"
    if kind == "redirect_copy":
        needs.add("copy")
        return f"redirect :copy {sieve_string(action.value)};"
    if kind == "reject":
        needs.add("reject")
        return f"reject {sieve_string(action.value or 'Rejected.', multiline=True)};"
    return f"{kind};"  # discard, stop


def _vacation(vac: Vacation, needs: set[str]) -> list[str]:
    needs.add("vacation")
    if vac.seconds:
        needs.add("vacation-seconds")
        args = [f":seconds {int(vac.seconds)}"]
    else:
        args = [f":days {int(vac.days)}"]
    if vac.subject:
        args.append(f":subject {sieve_string(vac.subject)}")
    if vac.addresses:
        args.append(f":addresses {sieve_string_list(vac.addresses)}")
    if vac.html:
        args.append(":mime")
        reason = sieve_string(_alternative(vac.text, vac.html), multiline=True)
    else:
        reason = sieve_string(vac.text, multiline=True)
    command = f"vacation {' '.join(args)} {reason};"
    dates = []
    if vac.start:
        dates.append(f'currentdate :value "ge" "date" "{vac.start.isoformat()}"')
    if vac.end:
        dates.append(f'currentdate :value "le" "date" "{vac.end.isoformat()}"')
    if not dates:
        return [command]
    needs.update(("date", "relational"))
    return [f"if allof ({', '.join(dates)}) {{", f"    {command}", "}"]


def _alternative(text: str, html: str) -> str:
    """A multipart/alternative MIME entity (headers and body) of the reply's two versions."""
    boundary = "webmail-vacation"
    while boundary in text or boundary in html:
        boundary += "-x"
    part = "Content-Type: text/{kind}; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
        f"--{boundary}\n{part.format(kind='plain', body=text)}"
        f"--{boundary}\n{part.format(kind='html', body=html)}"
        f"--{boundary}--\n"
    )


def render_script(filters: FilterSet) -> str:
    """The Sieve script for ``filters`` (CRLF line ends). Raises UnsafeValue on bad input:
    call `check_filters` first to tell the user why."""
    needs: set[str] = set()
    body: list[str] = []
    if filters.vacation.enabled:
        body += ["# Out of office", *_vacation(filters.vacation, needs)]
    if filters.forwarding.enabled:
        fwd = filters.forwarding
        body.append("# Forward all mail")
        body.append(
            _action(Action("redirect_copy" if fwd.keep_copy else "redirect", fwd.address), needs)
        )
    for rule in filters.rules:
        if not rule.enabled or not rule.conditions or not rule.actions:
            continue
        tests = [_test(c, needs) for c in rule.conditions]
        joined = (
            tests[0]
            if len(tests) == 1
            else (f"{'allof' if rule.match_all else 'anyof'} ({', '.join(tests)})")
        )
        order = {kind: i for i, kind in enumerate(ACTION_KINDS)}
        actions = sorted(rule.actions, key=lambda a: order.get(a.kind, 99))
        body.append("# Rule: " + re.sub(r"[\r\n\0]", " ", rule.name))
        body.append(f"if {joined} {{")
        body += [f"    {_action(a, needs)}" for a in actions]
        body.append("}")
    head = [
        "# Generated by the webmail. Edit these filters in the webmail: changes made here are",
        "# replaced when the filters are saved there.",
        MARKER + json.dumps(_to_json(filters), ensure_ascii=True, separators=(",", ":")),
    ]
    if needs:
        head.append(f"require {sieve_string_list(sorted(needs))};")
    return "\r\n".join(head + body) + "\r\n"


# -- reading back ---------------------------------------------------------------------------


def parse_script(text: str) -> FilterSet:
    """The filters of a script `render_script` wrote; ForeignScript for any other script."""
    for line in text.splitlines():
        if line.startswith(MARKER):
            try:
                data = json.loads(line[len(MARKER) :])
                filters = _from_json(data)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ForeignScript(f"unreadable webmail-filters line: {exc}") from None
            if render_script(filters) != text.replace("\r\n", "\n").replace("\n", "\r\n"):
                raise ForeignScript("the script was edited outside the webmail")
            return filters
    raise ForeignScript("not written by the webmail")


def _to_json(filters: FilterSet) -> dict[str, Any]:
    data = asdict(filters)
    vac = data["vacation"]
    vac["start"] = filters.vacation.start.isoformat() if filters.vacation.start else None
    vac["end"] = filters.vacation.end.isoformat() if filters.vacation.end else None
    return {"version": VERSION, **data}


def _from_json(data: dict[str, Any]) -> FilterSet:
    if data.get("version") != VERSION:
        raise ValueError(f"version {data.get('version')!r}")
    rules = tuple(
        Rule(
            name=str(r["name"]),
            conditions=tuple(Condition(**c) for c in r["conditions"]),
            actions=tuple(Action(**a) for a in r["actions"]),
            match_all=bool(r["match_all"]),
            enabled=bool(r["enabled"]),
        )
        for r in data["rules"]
    )
    v = dict(data["vacation"])
    vacation = replace(
        Vacation(**{k: v[k] for k in ("enabled", "subject", "text", "days")}),
        addresses=tuple(v["addresses"]),
        start=date.fromisoformat(v["start"]) if v["start"] else None,
        end=date.fromisoformat(v["end"]) if v["end"] else None,
        seconds=int(v.get("seconds") or 0),
        html=str(v.get("html") or ""),
    )
    return FilterSet(rules, vacation, Forwarding(**data["forwarding"]))
