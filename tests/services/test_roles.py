"""The one role lookup: special-use markers first, then well-known names in several languages."""

from __future__ import annotations

from mailview.imap.types import FolderInfo
from mailview.services.folders import build_tree, shown_name
from mailview.services.roles import role_folders, roles_by_folder


def folder(name: str, *flags: str, delimiter: str = "/") -> FolderInfo:
    return FolderInfo(name, delimiter, frozenset(flags))


def test_markers_win_over_names():
    folders = [folder("INBOX"), folder("Trash"), folder("Rubbish", "\\Trash")]
    assert role_folders(folders)["\\Trash"] == "Rubbish"


def test_without_markers_well_known_names_in_several_languages_are_found():
    folders = [
        folder("INBOX"),
        folder("Papierkorb"),
        folder("Gesendete Objekte"),
        folder("Brouillons"),
        folder("Spam"),
        folder("Archiv"),
        folder("Projects"),
    ]
    assert role_folders(folders) == {
        "\\Trash": "Papierkorb",
        "\\Sent": "Gesendete Objekte",
        "\\Drafts": "Brouillons",
        "\\Junk": "Spam",
        "\\Archive": "Archiv",
    }


def test_names_count_only_at_the_top_of_the_personal_namespace():
    folders = [
        folder("INBOX", delimiter="."),
        folder("INBOX.Trash", delimiter="."),
        folder("INBOX.Projects.Sent", delimiter="."),
        folder("user.bob.Drafts", delimiter="."),
    ]
    assert roles_by_folder(folders, "INBOX.") == {"INBOX.Trash": "\\Trash"}


def test_folders_found_by_name_are_shown_as_roles_in_the_tree():
    tree = build_tree([folder("INBOX"), folder("Projects"), folder("Deleted Items")])
    trash = tree.find("Deleted Items")
    assert trash is not None and trash.role == "trash" and trash.label == "Trash"
    assert [node.name for node in tree.nodes] == ["INBOX", "Deleted Items", "Projects"]


def test_display_names_drop_the_prefix_and_use_slashes():
    assert shown_name("INBOX.Projects.2026", "INBOX.", ".") == "Projects/2026"
    assert shown_name("Projects/2026", "", "/") == "Projects/2026"
    assert shown_name("INBOX", "INBOX.", ".") == "INBOX"
