"""Server output recorded from Dovecot 2.3 and Cyrus 3.6 (see /work/shared/*-notes.md), as the
bytes on the wire. Literal sizes are computed, so the transcripts stay readable."""

from __future__ import annotations


def lit(data: bytes) -> bytes:
    """A literal as a server sends it: ``{n}`` CR LF and the bytes."""
    return b"{%d}\r\n" % len(data) + data


def wire(*lines: bytes) -> bytes:
    """Lines joined by CR LF (a line may end in a literal and go on after it)."""
    return b"".join(line + b"\r\n" for line in lines)


DOVECOT_GREETING = wire(
    b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS"
    b" AUTH=PLAIN] Dovecot (Debian) ready."
)
CYRUS_GREETING = wire(
    b"* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN AUTH=LOGIN SASL-IR]"
    b" localhost Cyrus IMAP 3.6.1-Debian-3.6.1-4 server ready"
)

# LIST "" "*" RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))
DOVECOT_LIST_STATUS = wire(
    b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
    b"* STATUS INBOX (MESSAGES 12 UNSEEN 3)",
    b'* LIST (\\HasNoChildren \\Subscribed \\Sent) "/" Sent',
    b"* STATUS Sent (MESSAGES 2 UNSEEN 0)",
    b'* LIST (\\HasChildren \\Subscribed) "/" "Projects 2026"',
    b'* STATUS "Projects 2026" (MESSAGES 0 UNSEEN 0)',
    b'* LIST (\\HasNoChildren) "/" "Projects 2026/&AMk-t&AOk-"',
    b'* STATUS "Projects 2026/&AMk-t&AOk-" (MESSAGES 1 UNSEEN 1)',
    b"A5 OK List completed (0.001 + 0.000 secs).",
)
CYRUS_LIST_STATUS = wire(
    b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
    b"* STATUS INBOX (MESSAGES 4 UNSEEN 4)",
    b'* LIST (\\HasNoChildren \\Subscribed \\sent) "/" Sent',
    b"* STATUS Sent (MESSAGES 0 UNSEEN 0)",
    b'* LIST (\\HasNoChildren \\Subscribed \\trash) "/" Trash',
    b"* STATUS Trash (MESSAGES 0 UNSEEN 0)",
    b'* LIST (\\HasNoChildren \\Subscribed) "/" ' + lit(b'odd "name"'),
    b"A5 OK Completed (0.000 secs 7 calls)",
)

DOVECOT_REFUSALS = {
    b"A1 NO [NONEXISTENT] Mailbox doesn't exist: Nope (0.001 + 0.000 secs).": "FolderNotFound",
    b"A2 NO [TRYCREATE] Mailbox doesn't exist: Nope": "FolderNotFound",
    b"A3 NO [ALREADYEXISTS] Mailbox already exists": "CommandFailed",
    b"A4 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)": "CommandFailed",
    b"A5 NO [AUTHENTICATIONFAILED] Authentication failed.": "CommandFailed",
    b"A6 NO [UNAVAILABLE] Temporary failure, try again": "CommandFailed",
    b"A7 NO [CANNOT] Renaming not supported across conflicting namespaces": "CommandFailed",
    b"A8 BAD Error in IMAP command UID: Invalid arguments.": "CommandFailed",
    b"A9 NO Mailbox doesn't exist: Nope": "FolderNotFound",  # Dovecot 2.3 on SELECT
    b"A10 NO [NOPERM] Permission denied (0.001 + 0.000 secs).": "NotPermitted",  # acl plugin
}
CYRUS_REFUSALS = {
    b"A1 NO Mailbox does not exist": "FolderNotFound",
    b"A2 NO [HASCHILDREN] Mailbox has inferior hierarchical names": "CommandFailed",
    b"A3 NO Invalid mailbox name": "ServerRefusedName",
    b"A4 NO Message contains invalid header": "CommandFailed",
    b"A5 NO [TRYCREATE] Mailbox does not exist": "FolderNotFound",
    b"A6 NO Mailbox already exists": "CommandFailed",
    b"A7 NO Permission denied": "NotPermitted",  # COPY into a folder shared without "i"
}

DOVECOT_ESEARCH = wire(b'* ESEARCH (TAG "A7") UID ALL 3:5,9,12:11', b"A7 OK Search completed.")
CYRUS_ESEARCH_EMPTY = wire(b'* ESEARCH (TAG "A7") UID', b"A7 OK Completed (0 msgs in 0.000 secs)")
SORT = wire(b"* SORT 9 3 5 4", b"A8 OK Sort completed (0.001 + 0.000 secs).")
SEARCH_MODSEQ = wire(b"* SEARCH 2 5 7 (MODSEQ 917162500)", b"A9 OK Search done.")
THREAD = wire(b"* THREAD (2)(3 6 (4 23)(44 7 96))", b"A10 OK Thread completed.")

HEADER = b'Content-Type: multipart/mixed;\r\n boundary="b1"\r\n\r\n'
BODY_TEXT = b"Hello\r\n{5}\r\n) not syntax\r\n"
SUBJECT = "Grüße aus Berlin!".encode()
FETCH_WITH_LITERALS = wire(
    b'* 7 FETCH (UID 2951 FLAGS (\\Seen $Forwarded) RFC822.SIZE 3736 INTERNALDATE " 6-Oct-2026'
    b' 06:23:09 +0200" ENVELOPE ("Fri, 16 Oct 2026 06:22:22 -0330" '
    + lit(SUBJECT)
    + b' (("Wei" NIL "wei" "shop.example")) NIL NIL NIL NIL NIL NIL "<I1@dev.example>")'
    b" BODY[HEADER.FIELDS (CONTENT-TYPE)] " + lit(HEADER) + b" BODY[1]<0> " + lit(BODY_TEXT) + b")",
    b'* 8 FETCH (UID 2952 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1'
    b' NIL NIL NIL NIL)("application" "pdf" ("name" "r.pdf") NIL NIL "base64" 4000 NIL'
    b' ("attachment" ("filename" "r.pdf")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL))',
    b"* 3 FETCH (FLAGS (\\Seen \\Flagged))",
    b"A11 OK Fetch completed (0.002 + 0.000 secs).",
)

STATUS = wire(b'* STATUS "Projects 2026" (MESSAGES 231 UIDNEXT 44292 UNSEEN 2)', b"A12 OK done")
QUOTA = wire(
    b'* QUOTAROOT INBOX "User quota"',
    b'* QUOTA "User quota" (STORAGE 10 512 MESSAGE 4 1000)',
    b"A13 OK Getquotaroot completed.",
)
SELECT = wire(
    b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)",
    b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags.",
    b"* 12 EXISTS",
    b"* 0 RECENT",
    b"* OK [UIDVALIDITY 1764752000] UIDs valid",
    b"* OK [UIDNEXT 44] Predicted next UID",
    b"* OK [HIGHESTMODSEQ 91] Highest",
    b"A14 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).",
)
MOVE = wire(
    b"* OK [COPYUID 1764752001 4:6 9:11] Moved UIDs.",
    b"* 4 EXPUNGE",
    b"* 4 EXPUNGE",
    b"* 4 EXPUNGE",
    b"A15 OK Move completed (0.001 + 0.000 secs).",
)
BYE = wire(b"* BYE Server shutting down.")
CYRUS_BYE = wire(b"* BYE Fatal error: Mailbox is locked")
IDLE = wire(
    b"+ idling", b"* 13 EXISTS", b"* 2 FETCH (UID 40 FLAGS (\\Seen))", b"A16 OK Idle completed."
)
LITERAL8 = wire(b"* 2 FETCH (UID 9 BINARY[1] ~" + lit(b"\x00\x01\xff") + b")")
