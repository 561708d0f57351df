"""Building the folder tree from LIST results, and its quota gauge (pure, no server)."""

from __future__ import annotations

from mailview.imap.client import FolderInfo, QuotaUsage
from mailview.services.folders import build_tree, quota_gauge


def info(name: str, *flags: str, unseen: int = 0, delimiter: str = "/") -> FolderInfo:
    return FolderInfo(name, delimiter, frozenset(flags), True, messages=unseen, unseen=unseen)


def test_roles_come_first_in_a_fixed_order_then_the_rest_alphabetically():
    tree = build_tree(
        [
            info("zeta"),
            info("Trash", "\\Trash"),
            info("Alpha"),
            info("Sent", "\\Sent"),
            info("INBOX"),
            info("Archive", "\\Archive"),
            info("Junk", "\\Junk"),
            info("Drafts", "\\Drafts"),
        ]
    )
    assert [n.name for n in tree.nodes] == [
        "INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive", "Alpha", "zeta",
    ]  # fmt: skip
    assert [n.role for n in tree.nodes][:6] == [
        "inbox", "drafts", "sent", "junk", "trash", "archive",
    ]  # fmt: skip


def test_special_use_folders_get_localized_names_whatever_the_server_calls_them():
    tree = build_tree([info("INBOX"), info("Gesendete Objekte", "\\Sent")])
    assert tree.find("Gesendete Objekte").label == "Sent"


def test_children_nest_under_their_parent_and_a_missing_parent_is_added():
    tree = build_tree([info("INBOX"), info("Projects/2026/Q1", unseen=2), info("Projects/2025")])
    nodes = [(n.name, n.label, n.depth, n.selectable) for n in tree.nodes]
    assert nodes == [
        ("INBOX", "Inbox", 0, True),
        ("Projects", "Projects", 0, False),
        ("Projects/2025", "2025", 1, True),
        ("Projects/2026", "2026", 1, False),
        ("Projects/2026/Q1", "Q1", 2, True),
    ]
    assert tree.find("Projects/2026/Q1").unseen == 2


def test_a_personal_namespace_prefix_is_hidden_from_labels():
    tree = build_tree(
        [info("INBOX", delimiter="."), info("INBOX.Sent", "\\Sent", delimiter="."),
         info("INBOX.Work", delimiter=".")],
        prefix="INBOX.",
    )  # fmt: skip
    assert [(n.name, n.label, n.depth) for n in tree.nodes] == [
        ("INBOX", "Inbox", 0), ("INBOX.Sent", "Sent", 0), ("INBOX.Work", "Work", 0),
    ]  # fmt: skip


def test_noselect_folders_are_not_selectable():
    tree = build_tree([info("INBOX"), info("Shared", "\\Noselect")])
    assert not tree.find("Shared").selectable


def test_inbox_unseen_is_the_inbox_count():
    assert build_tree([info("INBOX", unseen=7), info("Other", unseen=3)]).inbox_unseen == 7


def usage(resource: str, used: int, limit: int) -> QuotaUsage:
    return QuotaUsage("User quota", resource, used, limit)


def test_the_quota_gauge_says_storage_in_whole_units_like_roundcube():
    gauge = quota_gauge([usage("STORAGE", 126_000, 1024 * 1024)])
    assert gauge.text == "123 MB of 1 GB used"
    assert (gauge.percent, gauge.warning) == (12, False)
    assert quota_gauge([usage("STORAGE", 3959, 1024 * 1024)]).text == "3.9 MB of 1 GB used"


def test_the_quota_gauge_counts_messages_for_a_message_quota():
    assert quota_gauge([usage("MESSAGE", 1234, 10_000)]).text == "1,234 of 10,000 messages"


def test_the_quota_gauge_shows_the_resource_nearest_its_limit():
    both = [usage("STORAGE", 100, 1000), usage("MESSAGE", 9, 10)]
    assert quota_gauge(both).resource == "MESSAGE"
    even = [usage("MESSAGE", 1, 10), usage("STORAGE", 100, 1000)]
    assert quota_gauge(even).resource == "STORAGE"


def test_the_quota_gauge_warns_above_ninety_percent():
    assert not quota_gauge([usage("MESSAGE", 90, 100)]).warning
    assert quota_gauge([usage("MESSAGE", 91, 100)]).warning
    over = quota_gauge([usage("STORAGE", 2048, 1024)])
    assert (over.percent, over.warning) == (100, True)


def test_no_gauge_without_a_limited_storage_or_message_quota():
    assert quota_gauge([]) is None
    assert quota_gauge([usage("STORAGE", 5, 0), usage("MAILBOX", 3, 10)]) is None
