"""The folder tree: LIST results turned into what the folder pane shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mailview.imap.client import FolderInfo, QuotaUsage
from mailview.render.format import compactsize
from mailview.services.roles import roles_by_folder

# Special-use roles, in the order they are shown, with their localized names.
ROLES: dict[str, tuple[str, object]] = {
    "INBOX": ("inbox", _("Inbox")),
    "\\Drafts": ("drafts", _("Drafts")),
    "\\Sent": ("sent", _("Sent")),
    "\\Junk": ("junk", _("Junk")),
    "\\Trash": ("trash", _("Trash")),
    "\\Archive": ("archive", _("Archive")),
}
ROLE_ORDER = [role for role, _label in ROLES.values()]


@dataclass
class FolderNode:
    name: str  # the full IMAP name, as used in URLs
    label: str  # what the user sees
    depth: int
    role: str | None
    selectable: bool
    unseen: int
    messages: int
    children: list[FolderNode] = field(default_factory=list)
    path: str = ""  # the display path ("Projects/2026"): never the namespace prefix


@dataclass(frozen=True)
class QuotaGauge:
    """The quota shown under the folder tree: one resource of the INBOX's quota root."""

    resource: str  # STORAGE (usage and limit in KiB) or MESSAGE
    usage: int
    limit: int  # > 0

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.usage / self.limit))

    @property
    def warn_at(self) -> int:
        """The usage above which the gauge warns (90 % of the limit, rounded down)."""
        return self.limit * 9 // 10

    @property
    def warning(self) -> bool:
        """More than 90 % used (as the <meter>'s `high` says)."""
        return self.usage > self.warn_at

    @property
    def text(self) -> str:
        if self.resource == "STORAGE":
            return gettext("%(used)s of %(limit)s used") % {
                "used": _storage(self.usage),
                "limit": _storage(self.limit),
            }
        return gettext("%(used)s of %(limit)s messages") % {
            "used": intcomma(self.usage),
            "limit": intcomma(self.limit),
        }


def _storage(kib: int) -> str:
    """1048576 KiB -> "1 GB", 126000 -> "123 MB" (a whole unit loses its ".0")."""
    return compactsize(kib * 1024).replace(".0 ", " ")


def quota_gauge(quotas: list[QuotaUsage]) -> QuotaGauge | None:
    """The STORAGE or MESSAGE quota nearest to its limit (STORAGE on a tie); None without one.

    Other resources (RFC 9208's MAILBOX, ANNOTATION-STORAGE...) and unlimited ones are left out.
    """
    shown = [
        QuotaGauge(q.resource, q.usage, q.limit)
        for q in quotas
        if q.resource in ("STORAGE", "MESSAGE") and q.limit > 0
    ]
    if not shown:
        return None
    return max(shown, key=lambda g: (g.usage / g.limit, g.resource == "STORAGE"))


@dataclass(frozen=True)
class FolderTree:
    nodes: list[FolderNode]  # flattened, in display order, with depth
    delimiter: str | None
    quota: QuotaGauge | None = None  # asked with the tree, cached with it

    def find(self, name: str) -> FolderNode | None:
        return next((node for node in self.nodes if node.name == name), None)

    @property
    def inbox_unseen(self) -> int:
        node = self.find("INBOX")
        return node.unseen if node else 0


def shown_name(name: str, prefix: str = "", delimiter: str | None = None) -> str:
    """What the user sees for the folder ``name``: without the personal namespace prefix
    ("INBOX.Trash" on Cyrus is "Trash"), levels joined by "/" whatever the server's delimiter."""
    if prefix and name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix) :]
    if delimiter and delimiter != "/":
        name = name.replace(delimiter, "/")
    return name


def _role(info: FolderInfo, by_folder: dict[str, str]) -> str | None:
    if info.name.upper() == "INBOX":
        return "inbox"
    use = by_folder.get(info.name)
    if use in ROLES:
        return ROLES[use][0]
    return None


def build_tree(folders: list[FolderInfo], prefix: str = "") -> FolderTree:
    """Nest folders by their delimiter; roles first (Inbox, Drafts, Sent, Junk, Trash, Archive).

    `prefix` is the personal namespace prefix (e.g. "INBOX." on Cyrus), hidden
    from labels. A subscribed folder whose parent is not listed gets a
    non-selectable parent node so the tree stays a tree.
    """
    delimiter = next((f.delimiter for f in folders if f.delimiter), None)
    by_folder = roles_by_folder(folders, prefix)
    roots: list[FolderNode] = []
    by_name: dict[str, FolderNode] = {}

    def path_of(name: str) -> list[str]:
        shown = name[len(prefix) :] if prefix and name.startswith(prefix) else name
        return shown.split(delimiter) if delimiter else [shown]

    def ensure(parts: list[str], full: str | None, info: FolderInfo | None) -> FolderNode:
        key = delimiter.join(parts) if delimiter else parts[0]
        node = by_name.get(key)
        if node is None:
            node = FolderNode(
                name=full or (prefix + key),
                label=parts[-1],
                depth=len(parts) - 1,
                role=None,
                selectable=False,
                unseen=0,
                messages=0,
                path="/".join(parts),
            )
            by_name[key] = node
            if len(parts) == 1:
                roots.append(node)
            else:
                ensure(parts[:-1], None, None).children.append(node)
        if info is not None:
            node.name = info.name
            node.selectable = info.selectable
            node.unseen = info.unseen or 0
            node.messages = info.messages or 0
            node.role = _role(info, by_folder)
            if node.role is not None and node.depth == 0:
                node.label = str(dict((r, label) for r, label in ROLES.values())[node.role])
                node.path = node.label
        return node

    # Parents before children, so a listed parent is not first created as a placeholder.
    for info in sorted(folders, key=lambda f: len(path_of(f.name))):
        if info.name.upper() == "INBOX":
            ensure(["INBOX"], "INBOX", info)
        else:
            ensure(path_of(info.name), info.name, info)

    def order(node: FolderNode) -> tuple[int, str]:
        rank = ROLE_ORDER.index(node.role) if node.role in ROLE_ORDER else len(ROLE_ORDER)
        return (rank, node.label.casefold())

    flat: list[FolderNode] = []

    def walk(nodes: list[FolderNode]) -> None:
        for node in sorted(nodes, key=order):
            flat.append(node)
            walk(node.children)

    walk(roots)
    return FolderTree(nodes=flat, delimiter=delimiter)
