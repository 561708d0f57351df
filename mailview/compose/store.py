"""Where a message being written waits between requests: one private directory per user and
compose id under WEBMAIL_COMPOSE_DIR, holding its state (state.json) and uploaded files.

Directories are 0700 and keyed by the Django user's primary key, and the compose id is a random
128-bit value checked against a strict pattern, so one user can never name another's files. A
directory is removed after sending or discarding, and any left over (a tab closed for good) is
purged after WEBMAIL_COMPOSE_MAX_AGE; the draft in the Drafts folder keeps everything anyway.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from mailview.compose.build import AttachmentFile
from mailview.compose.errors import AttachmentProblem, ComposeNotFound

COMPOSE_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE = 7 * 24 * 3600
MAX_FILENAME = 200


@dataclass
class StoredAttachment:
    id: str
    filename: str
    content_type: str
    size: int


@dataclass
class ComposeState:
    compose_id: str
    message_id: str
    kind: str = "new"  # new, reply, reply_all, forward, forward_attached, edit, draft
    draft_folder: str = ""
    draft_uid: int | None = None
    original_folder: str = ""
    original_uid: int | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    # The sending identity's folder for its sent copy ("": the user's Sent), set with the message.
    sent_folder: str = ""
    # The newest save written: the page that sent it (a random token per page load) and its
    # number on that page. A save that arrives after a newer one of the same page is stale.
    save_page: str = ""
    save_seq: int = 0

    def is_stale_save(self, page: str, seq: int) -> bool:
        """Whether a save numbered ``seq`` by ``page`` is older than one already written.

        A page numbers its saves; two of them can be on their way at once (an autosave and the
        save sent as the tab closes) and reach the server in either order: the older one, handled
        last, must not replace the newer draft. Saves without a number (the offline outbox) and
        saves of another page load are never stale.
        """
        return bool(page) and page == self.save_page and seq <= self.save_seq

    @property
    def flag_for_original(self) -> str | None:
        if self.original_uid is None:
            return None
        if self.kind in ("reply", "reply_all"):
            return "\\Answered"
        if self.kind in ("forward", "forward_attached"):
            return "$Forwarded"
        return None


class ComposeStore:
    """The compose directories of one user."""

    def __init__(self, user_id: int, root: str | Path | None = None) -> None:
        self.user_id = int(user_id)
        self.root = Path(root or settings.WEBMAIL_COMPOSE_DIR) / str(self.user_id)

    def _dir(self, compose_id: str) -> Path:
        if not isinstance(compose_id, str) or not COMPOSE_ID.match(compose_id):
            raise ComposeNotFound(f"bad compose id {compose_id!r}")
        return self.root / compose_id

    def create(self, message_id: str, **fields: object) -> ComposeState:
        self.purge_old()
        compose_id = secrets.token_hex(16)
        path = self._dir(compose_id)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        path.mkdir(mode=0o700)
        (path / "files").mkdir(mode=0o700)
        state = ComposeState(compose_id=compose_id, message_id=message_id, **fields)  # type: ignore[arg-type]
        self.save(state)
        return state

    def load(self, compose_id: str) -> ComposeState:
        path = self._dir(compose_id) / "state.json"
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            raise ComposeNotFound(f"no compose {compose_id}") from None
        raw["attachments"] = [StoredAttachment(**a) for a in raw.get("attachments", [])]
        return ComposeState(**raw)

    def save(self, state: ComposeState) -> None:
        path = self._dir(state.compose_id)
        if not path.is_dir():
            raise ComposeNotFound(f"no compose {state.compose_id}")
        tmp = path / "state.json.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(state), fh)
        os.replace(tmp, path / "state.json")

    @contextlib.contextmanager
    def locked(self, compose_id: str) -> Iterator[ComposeState]:
        """The state, with this compose exclusively held (autosave and send never overlap)."""
        path = self._dir(compose_id)
        if not path.is_dir():
            raise ComposeNotFound(f"no compose {compose_id}")
        fd = os.open(path / "lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self.load(compose_id)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def save_fields(self, compose_id: str, fields: dict[str, str]) -> None:
        """The form as last seen (so reloading the compose page shows it again)."""
        path = self._dir(compose_id)
        if not path.is_dir():
            raise ComposeNotFound(f"no compose {compose_id}")
        tmp = path / "fields.json.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(fields, fh)
        os.replace(tmp, path / "fields.json")

    def load_fields(self, compose_id: str) -> dict[str, str]:
        try:
            data = json.loads((self._dir(compose_id) / "fields.json").read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def spool(self, state: ComposeState) -> Iterator[Path]:
        """A private file in the compose's directory to write a message to, removed after."""
        path = self._dir(state.compose_id) / f"spool-{secrets.token_hex(8)}.eml"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def discard(self, compose_id: str) -> None:
        shutil.rmtree(self._dir(compose_id), ignore_errors=True)

    def purge_old(self, max_age: float = MAX_AGE) -> None:
        if not self.root.is_dir():
            return
        limit = time.time() - max_age
        for entry in self.root.iterdir():
            with contextlib.suppress(OSError):
                if COMPOSE_ID.match(entry.name) and entry.stat().st_mtime < limit:
                    shutil.rmtree(entry, ignore_errors=True)

    # -- attachments ----------------------------------------------------------------------------

    def add_attachment(
        self,
        state: ComposeState,
        filename: str,
        content_type: str,
        chunks: Iterable[bytes],
        limit: int | None = None,
        total_limit: int | None = None,
    ) -> StoredAttachment:
        """Write an attachment from ``chunks``; AttachmentProblem if over ``limit`` bytes, or
        if the message's attachments would pass ``total_limit`` bytes together."""
        limit = settings.WEBMAIL_MAX_ATTACHMENT_SIZE if limit is None else limit
        attached = sum(a.size for a in state.attachments)
        name = clean_filename(filename)
        attachment_id = secrets.token_hex(8)
        target = self._dir(state.compose_id) / "files" / attachment_id
        size = 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise AttachmentProblem(
                            f"attachment over {limit} bytes",
                            user_message=_("“%(name)s” is larger than the limit of %(limit)s.")
                            % {"name": name, "limit": human_size(limit)},
                        )
                    if total_limit is not None and attached + size > total_limit:
                        raise AttachmentProblem(
                            f"attachments over {total_limit} bytes",
                            user_message=_(
                                "With “%(name)s” the message would be too large: attachments "
                                "may take %(limit)s in all (the outgoing mail server's limit)."
                            )
                            % {"name": name, "limit": human_size(total_limit)},
                        )
                    fh.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        stored = StoredAttachment(attachment_id, name, content_type, size)
        state.attachments.append(stored)
        self.save(state)
        return stored

    def remove_attachment(self, state: ComposeState, attachment_id: str) -> bool:
        before = len(state.attachments)
        state.attachments = [a for a in state.attachments if a.id != attachment_id]
        if len(state.attachments) == before:
            return False
        if re.fullmatch(r"[0-9a-f]{16}", attachment_id):
            (self._dir(state.compose_id) / "files" / attachment_id).unlink(missing_ok=True)
        self.save(state)
        return True

    def files(self, state: ComposeState) -> list[AttachmentFile]:
        base = self._dir(state.compose_id) / "files"
        return [
            AttachmentFile(base / a.id, a.filename, a.content_type, a.size)
            for a in state.attachments
            if re.fullmatch(r"[0-9a-f]{16}", a.id)
        ]


def clean_filename(name: str) -> str:
    """A file name safe for a header parameter: no path, no control characters, not empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if ord(ch) >= 32 and ord(ch) != 127 and ch not in "\u2028\u2029"
    )
    name = name.strip().strip(".") or "attachment"
    return name[:MAX_FILENAME]


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.0f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} GB"


def draft_info(state: ComposeState) -> str:
    """Where a draft came from, for its X-Webmail-Draft-Info header (see parse_draft_info)."""
    if state.original_uid is None or not state.original_folder:
        return f"kind={state.kind}"
    folder = base64.urlsafe_b64encode(state.original_folder.encode()).decode()
    return f"kind={state.kind}; folder={folder}; uid={state.original_uid}"


def parse_draft_info(value: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for item in value.split(";"):
        key, _sep, val = item.strip().partition("=")
        info[key.strip()] = val.strip()
    return info
