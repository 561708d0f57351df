"""The folder tree: LIST results turned into what the folder pane shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from mailview.imap.client import FolderInfo, Namespaces, QuotaUsage
from mailview.imap.namespace_commands import ALL_RIGHTS
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
    section: str = "personal"  # "personal", "other" (shared with me) or "shared" (NAMESPACE)
    # MYRIGHTS (RFC 4314 letters): every right in one's own folders; asked for the others.
    rights: str = ALL_RIGHTS

    @property
    def accepts_messages(self) -> bool:
        """A target for Move, Copy and Import: selectable, with the insert ("i") right."""
        return self.selectable and "i" in self.rights


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
    # The unread counts are missing or older than WEBMAIL_FOLDER_TREE_TTL: the page asks for
    # them after it is shown (GET /folder-counts/, mailview/live/views.py).
    counts_pending: bool = False
    # The language its labels (Inbox, Sent...) are in: a tree kept on the connection is built
    # again after the user changes language.
    language: str = ""

    def find(self, name: str) -> FolderNode | None:
        return next((node for node in self.nodes if node.name == name), None)

    def chosen(self, text: str) -> FolderNode | None:
        """The folder a user typed or picked: its display path ("Projects/2026", "Trash"; one's
        own folders first), else its server name (drag and drop, older pages)."""
        paths = [node for node in self.nodes if node.selectable and node.path == text]
        paths.sort(key=lambda node: node.section != "personal")
        return paths[0] if paths else self.find(text)

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


SECTIONS = ("personal", "other", "shared")


def build_tree(
    folders: list[FolderInfo], prefix: str = "", namespaces: Namespaces | None = None
) -> FolderTree:
    """Nest folders by their delimiter; roles first (Inbox, Drafts, Sent, Junk, Trash, Archive).

    `prefix` is the personal namespace prefix (e.g. "INBOX." on Cyrus), hidden
    from labels. A subscribed folder whose parent is not listed gets a
    non-selectable parent node so the tree stays a tree. With ``namespaces`` (NAMESPACE),
    other users' folders and shared folders come after the personal ones, each kind in a
    section of its own, labelled relative to their namespace (never under fake parents).
    """
    delimiter = next((f.delimiter for f in folders if f.delimiter), None)
    section_of = namespaces.section_of if namespaces is not None else (lambda _n: "personal")
    personal = [f for f in folders if section_of(f.name) == "personal"]
    by_folder = roles_by_folder(personal, prefix)
    roots: list[FolderNode] = []
    by_name: dict[tuple[str, str], FolderNode] = {}

    def prefix_for(name: str) -> str:
        if namespaces is None or section_of(name) == "personal":
            return prefix
        return namespaces.prefix_of(name)

    def path_of(name: str) -> list[str]:
        own = prefix_for(name)
        shown = name[len(own) :] if own and name.startswith(own) else name
        return shown.split(delimiter) if delimiter else [shown]

    def ensure(
        parts: list[str], full: str | None, info: FolderInfo | None, section: str
    ) -> FolderNode:
        key = delimiter.join(parts) if delimiter else parts[0]
        node = by_name.get((section, key))
        if node is None:
            own = prefix if section == "personal" or full is None else prefix_for(full)
            node = FolderNode(
                name=full or (own + key),
                label=parts[-1],
                depth=len(parts) - 1,
                role=None,
                selectable=False,
                unseen=0,
                messages=0,
                path="/".join(parts),
                section=section,
            )
            by_name[(section, key)] = node
            if len(parts) == 1:
                roots.append(node)
            else:
                parent_full = None
                if full is not None and section != "personal" and delimiter:
                    parent_full = full.rsplit(delimiter, 1)[0]
                ensure(parts[:-1], parent_full, None, section).children.append(node)
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
        section = section_of(info.name)
        parts = path_of(info.name)
        if info.name.upper() == "INBOX":
            ensure(["INBOX"], "INBOX", info, "personal")
        elif namespaces is not None and namespaces.is_root(info.name):
            continue  # the namespace's own root ("Other Users", "user"): the section heading
        else:
            ensure(parts, info.name, info, section)

    def order(node: FolderNode) -> tuple[int, int, str]:
        rank = ROLE_ORDER.index(node.role) if node.role in ROLE_ORDER else len(ROLE_ORDER)
        return (SECTIONS.index(node.section), rank, node.label.casefold())

    flat: list[FolderNode] = []

    def walk(nodes: list[FolderNode]) -> None:
        for node in sorted(nodes, key=order):
            flat.append(node)
            walk(node.children)

    walk(roots)
    return FolderTree(nodes=flat, delimiter=delimiter, language=get_language())
