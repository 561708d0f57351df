""" "Filter messages like this": a rule pre-filled from an open message (its mailing list, else
its sender), how many messages of the folder it matches now (an IMAP SEARCH with the same
criteria), and applying its filing and flag actions to those messages.

IMAP SEARCH matches substrings only: for an "is" condition the SEARCH gives the candidates and
their header is then fetched (at most EXACT_CHECK_MAX candidates, the newest, in FETCHes of
EXACT_BATCH) and compared whole, as the Sieve rule does on delivery (`address :all :is` for
From and To/Cc: any address equal; `header :is`: the decoded value equal; both ignoring ASCII
case). With an "is" condition each condition is searched on its own and the results combined
(all: intersection; any: union). Candidates beyond the bound are not counted or filed: a
message is never acted on without its exact check. Redirect, reject and discard are never
applied to messages already received (they act on delivery only).
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from mailview.imap.client import Atom, IMAPConnection, SearchToken, check_folder_name
from mailview.imap.errors import MessageNotFound
from mailview.services.session import MailSession
from mailview.sieve.rules import Action, Condition, Rule

__all__ = ["Applied", "apply_to_existing", "is_exactly", "matching_uids", "rule_like"]

#: Actions that can be applied to messages already in a folder.
APPLICABLE = ("mark_read", "flag", "copy", "move")


#: How many selected messages a rule is made from (and how many senders it names).
MAX_SELECTED = 50
MAX_SENDERS = 4


def _list_id(headers: Message) -> str:
    value = str(headers.get("List-Id", "") or "")
    if "<" in value and ">" in value:
        value = value[value.rindex("<") + 1 : value.rindex(">")]
    return " ".join(value.split())


def _sender(headers: Message) -> str:
    return " ".join(parseaddr(str(headers.get("From", "") or ""))[1].split())


def _headers_of(mail: MailSession, folder: str, uids: list[int]) -> list[Message]:
    check_folder_name(folder)

    def read(conn: IMAPConnection) -> list[bytes]:
        conn.select(folder)
        found = []
        for uid in uids[:MAX_SELECTED]:
            fetched = conn.fetch_message(uid, header_fields=["From", "List-Id", "Subject"])
            if fetched is not None:
                found.append(fetched.headers)
        if not found:
            raise MessageNotFound(f"{folder}/{uids[:3]}")
        return found

    parser = BytesHeaderParser(policy=policy.default)
    return [parser.parsebytes(raw) for raw in mail.run(read, folder=folder)]


def rule_like(mail: MailSession, folder: str, uids: list[int]) -> Rule:
    """A rule matching messages like ``uids`` (one message or a selection): their common
    List-Id if they share one, else their senders (any of them)."""
    headers = _headers_of(mail, folder, uids)
    lists = {_list_id(h) for h in headers}
    if len(lists) == 1 and "" not in lists:
        (list_id,) = lists
        return Rule(f"List {list_id}", (Condition("list_id", list_id),), (Action("move"),))
    senders = list(dict.fromkeys(s for s in (_sender(h) for h in headers) if s))
    if senders:
        conditions = tuple(Condition("from", s) for s in senders[:MAX_SENDERS])
        name = f"From {senders[0]}" + (f" and {len(senders) - 1} more" if len(senders) > 1 else "")
        return Rule(name[:100], conditions, (Action("move"),), match_all=len(conditions) == 1)
    subject = " ".join(str(headers[0].get("Subject", "") or "").split())
    return Rule(f"Subject {subject}"[:100], (Condition("subject", subject),), (Action("move"),))


def _key(cond: Condition) -> list[SearchToken] | None:
    """The SEARCH keys of one condition (None: not searchable, e.g. an empty value)."""
    value = " ".join(cond.value.split())
    keys: list[SearchToken]
    if cond.field in ("size_over", "size_under"):
        if not value.isdigit():
            return None
        word = "LARGER" if cond.field == "size_over" else "SMALLER"
        return [Atom(word), Atom(str(int(value) * 1024))]
    if cond.field == "has_attachment":
        keys = [Atom("HEADER"), Atom("Content-Type"), "multipart/mixed"]
    elif not value:
        return None
    elif cond.field == "from":
        keys = [Atom("FROM"), value]
    elif cond.field == "to_cc":
        keys = [Atom("OR"), Atom("TO"), value, Atom("CC"), value]
    elif cond.field == "subject":
        keys = [Atom("SUBJECT"), value]
    elif cond.field == "list_id":
        keys = [Atom("HEADER"), Atom("List-Id"), value]
    elif cond.field == "header" and cond.header.replace("-", "").isalnum():
        keys = [Atom("HEADER"), Atom(cond.header), value]
    else:
        return None
    return [Atom("NOT"), *keys] if cond.match == "not_contains" else keys


def criteria(rule: Rule) -> list[SearchToken] | None:
    """SEARCH criteria for the rule's conditions (all: AND, any: nested OR); None if none."""
    keys = [k for k in (_key(c) for c in rule.conditions) if k]
    if not keys:
        return None
    if rule.match_all:
        return [token for key in keys for token in key]
    combined = keys[-1]
    for key in reversed(keys[:-1]):
        combined = [Atom("OR"), Atom("("), *key, Atom(")"), Atom("("), *combined, Atom(")")]
    return combined


#: The most candidates of an "is" condition whose header is fetched, and how many per FETCH.
EXACT_CHECK_MAX = 5000
EXACT_BATCH = 500
_HEADERS_OF = {"from": ("From",), "to_cc": ("To", "Cc"), "subject": ("Subject",)}


def _fields(cond: Condition) -> tuple[str, ...]:
    if cond.field == "list_id":
        return ("List-Id",)
    if cond.field == "header":
        return (cond.header,)
    return _HEADERS_OF.get(cond.field, ())


def is_exactly(cond: Condition, raw_headers: bytes) -> bool:
    """Does the message whose header fields are ``raw_headers`` match ``cond`` (an "is"
    condition) the way Sieve's ``:is`` does?"""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw_headers)
    wanted = _casemap(cond.value.strip())
    values = [str(v) for name in _fields(cond) for v in (headers.get_all(name) or [])]
    if cond.field in ("from", "to_cc"):
        return any(_casemap(address) == wanted for _n, address in getaddresses(values))
    return any(_casemap(" ".join(v.split())) == wanted for v in values)


#: Sieve's default comparator, i;ascii-casemap (RFC 4790): only A-Z fold to a-z.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _casemap(value: str) -> str:
    return value.translate(_ASCII_LOWER)


def _exactly(conn: IMAPConnection, cond: Condition, uids: list[int]) -> set[int]:
    names = _fields(cond)
    candidates = sorted(uids)[-EXACT_CHECK_MAX:]
    matched: set[int] = set()
    for start in range(0, len(candidates), EXACT_BATCH):
        batch = candidates[start : start + EXACT_BATCH]
        for uid, raw in conn.fetch_header_fields(batch, names).items():
            if is_exactly(cond, raw):
                matched.add(uid)
    return matched


def matching_uids(mail: MailSession, folder: str, rule: Rule) -> list[int]:
    """UIDs of the messages of ``folder`` that the rule's conditions match."""
    check_folder_name(folder)
    found = criteria(rule)
    if found is None:
        return []
    search = found
    exact = any(c.match == "is" and _fields(c) for c in rule.conditions)

    def read(conn: IMAPConnection) -> list[int]:
        if not exact:
            return list(conn.search_sorted(folder, search)[1])
        sets: list[set[int]] = []
        for cond in rule.conditions:
            key = _key(cond)
            if not key:
                continue
            uids = list(conn.search_sorted(folder, key)[1])
            exact_cond = cond.match == "is" and _fields(cond)
            sets.append(_exactly(conn, cond, uids) if exact_cond else set(uids))
        result = set.intersection(*sets) if rule.match_all else set.union(*sets)
        return sorted(result)

    return mail.run(read, folder=folder)


@dataclass(frozen=True)
class Applied:
    count: int
    actions: tuple[str, ...]


def apply_to_existing(mail: MailSession, folder: str, rule: Rule, uids: list[int]) -> Applied:
    """Flags first, then copies, then the move (the last thing done to the messages)."""
    check_folder_name(folder)
    actions = [a for a in rule.actions if a.kind in APPLICABLE]
    if not uids or not actions:
        return Applied(0, ())

    def run(conn: IMAPConnection) -> None:
        conn.select(folder)
        for action in sorted(actions, key=lambda a: APPLICABLE.index(a.kind)):
            if action.kind == "mark_read":
                conn.store_flags(uids, ["\\Seen"], True)
            elif action.kind == "flag":
                conn.store_flags(uids, ["\\Flagged"], True)
            elif action.kind == "copy":
                conn.copy_messages(uids, action.value)
            else:
                conn.move_messages(uids, action.value)
        conn.forget(folder)

    mail.run(run, folder=folder, retry=False)
    return Applied(len(uids), tuple(a.kind for a in actions))
