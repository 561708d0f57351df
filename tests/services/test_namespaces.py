"""The tree with NAMESPACE: personal folders, then "Shared with me", then "Shared folders"."""

from __future__ import annotations

from mailview.imap.types import FolderInfo, Namespace, Namespaces
from mailview.services.folders import build_tree

CYRUS_DEFAULT = Namespaces(
    personal=(Namespace("INBOX.", "."),),
    other=(Namespace("user.", "."),),
    shared=(Namespace("", "."),),
)
CYRUS_ALT = Namespaces(
    personal=(Namespace("", "/"),),
    other=(Namespace("Other Users/", "/"),),
    shared=(Namespace("Shared Folders/", "/"),),
)


def folder(name: str, delimiter: str, *flags: str) -> FolderInfo:
    return FolderInfo(name, delimiter, frozenset(flags))


def test_default_namespace_sections_have_no_fake_inbox_user_parents():
    names = ["INBOX", "INBOX.Trash", "INBOX.Projects", "user.bob.Team", "shared-news"]
    tree = build_tree([folder(n, ".") for n in names], "INBOX.", CYRUS_DEFAULT)
    shown = [(n.section, n.path, n.depth, n.name) for n in tree.nodes]
    assert shown == [
        ("personal", "Inbox", 0, "INBOX"),
        ("personal", "Trash", 0, "INBOX.Trash"),
        ("personal", "Projects", 0, "INBOX.Projects"),
        ("other", "bob", 0, "user.bob"),
        ("other", "bob/Team", 1, "user.bob.Team"),
        ("shared", "shared-news", 0, "shared-news"),
    ]
    assert not tree.find("user.bob").selectable  # a heading for bob's folders, not a folder


def test_alt_namespace_roots_are_section_headings_not_folders():
    names = ["INBOX", "Sent", "Other Users", "Other Users/bob/Team", "Shared Folders/news"]
    tree = build_tree([folder(n, "/") for n in names], "", CYRUS_ALT)
    assert [(n.section, n.label) for n in tree.nodes] == [
        ("personal", "Inbox"),
        ("personal", "Sent"),
        ("other", "bob"),
        ("other", "Team"),
        ("shared", "news"),
    ]


def test_a_shared_trash_is_not_the_users_trash():
    names = ["INBOX", "Shared Folders/Trash"]
    tree = build_tree([folder(n, "/") for n in names], "", CYRUS_ALT)
    assert tree.find("Shared Folders/Trash").role is None


def test_without_namespaces_everything_is_personal():
    tree = build_tree([folder("INBOX", "/"), folder("A/B", "/")])
    assert {n.section for n in tree.nodes} == {"personal"}
