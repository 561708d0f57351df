"""The live-mail websocket: relays a user's mailbox events to the browser.

Authenticated by the Django session (AuthMiddlewareStack); anonymous connections, and sessions
whose IMAP password cannot be unsealed, are refused at the handshake. Each websocket joins its
user's group (mailview/events.py) and holds a watcher on INBOX and one on the folder the page
shows (sent by the browser: {"type": "subscribe", "folder": ...}); watchers are shared with the
user's other tabs in this process (mailview/imap/watcher.py).

The subscribe message also says which list the page shows ("view": "list" or "threads",
"sort", "order", "page"): events reach the browser rendered for that page, in the user's time
zone (mailview/live/present.py), so a row is drawn by the same template as on a page load.

To the browser: {"type": "watching", "folder", "uidvalidity", "uidnext"} once a folder's watcher
is in IDLE, {"type": "event", "event": {...}} for each event, and a close with code 4001 when
the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import tzinfo
from importlib import import_module
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.credentials import SESSION_FIELD
from accounts.language import user_language
from accounts.models import Preferences
from accounts.servers import server_for_login
from accounts.sso.tokens import current_secret, is_sso
from mailview.imap.client import check_folder_name
from mailview.imap.errors import CredentialsUnavailable, InvalidName, MailError
from mailview.live import events, present
from mailview.live.registry import WatcherLimit, registry
from mailview.live.watcher import FolderWatcher
from mailview.render.format import clock_format
from mailview.services.session import MailSession

logger = logging.getLogger("mailview.live")

SESSION_ENDED = 4001
LIMITED = gettext_lazy(
    "Live updates for this folder are paused: too many folders are open in other tabs. "
    "It is refreshed periodically instead."
)
SSO_SESSION_CHECK = 30.0
SUBSCRIBES_PER_MINUTE = 30
READY_TIMEOUT = 60.0


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.watchers: dict[str, FolderWatcher] = {}
        self.counted = False
        self.viewed: str | None = None
        self.page: present.PageView | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        try:
            password, zone, self.page_size = await self._credentials(user)
        except CredentialsUnavailable:
            await self.close()
            return
        self.login = user.get_username()
        self.server = server_for_login(self.login)
        self.password = password
        self.zone: tzinfo = zone
        self.clock = await self._clock(user)
        self.language = await self._language(user)
        self.group = events.user_group(self.login)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        registry.websockets += 1
        self.counted = True
        await self._watch("INBOX")
        self._keep(asyncio.get_running_loop().create_task(self._check_session()))

    @database_sync_to_async
    def _credentials(self, user: Any) -> tuple[str, tzinfo, int]:
        password = current_secret(self.scope["session"], self.scope.get("cookies", {}), user.pk)
        preferences = Preferences.for_user(user)
        return password, preferences.zone, preferences.page_size

    @database_sync_to_async
    def _clock(self, user: Any) -> str:
        return Preferences.for_user(user).clock

    @database_sync_to_async
    def _language(self, user: Any) -> str:
        """The page's language: the user's choice, else the browser's (the handshake's headers)."""
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in self.scope.get("headers", [])
        }
        return user_language(Preferences.for_user(user), headers)

    def _text(self, message: str | Promise) -> str:
        """A message for the browser, in the page's language."""
        with translation.override(self.language):
            return str(message)

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks: set[asyncio.Task[None]] = getattr(self, "_tasks", set())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self, folder: str) -> None:
        try:
            watcher = registry.acquire(
                self.login,
                folder,
                self.server,
                self.password,
                limit=settings.WEBMAIL_LIVE_WATCHERS_PER_USER,
            )
        except WatcherLimit:
            # The page is told, and follows the folder by polling instead.
            await self.send_json(
                {"type": "limited", "folder": folder, "message": self._text(LIMITED)}
            )
            return
        self.watchers[folder] = watcher
        self._keep(asyncio.get_running_loop().create_task(self._announce(watcher)))

    async def _check_session(self) -> None:
        """Close when the session ends without a signal (expired, deleted by an admin)."""
        every = float(settings.WEBMAIL_LIVE_SESSION_CHECK)
        if is_sso(self.scope["session"]):
            # Access tokens live minutes: hand the watchers fresh ones well before they expire.
            every = min(every, SSO_SESSION_CHECK)
        while True:
            await asyncio.sleep(every)
            if not await self._session_alive():
                self._release_all()
                await self.close(code=SESSION_ENDED)
                return
            if is_sso(self.scope["session"]):
                await self._refresh_secret()

    async def _refresh_secret(self) -> None:
        """Single sign-on: the watchers reconnect with a current access token (refreshed
        before it expires); when the provider refuses, the page learns the session ended."""
        try:
            password, _zone, _size = await self._credentials(self.scope["user"])
        except CredentialsUnavailable:
            self._release_all()
            await self.close(code=SESSION_ENDED)
            return
        except Exception as exc:  # the provider is down...: keep watching, try at the next check
            logger.warning(
                "live: the session's token could not be refreshed: %s", type(exc).__name__
            )
            return
        self.password = password
        for watcher in self.watchers.values():
            watcher.password = password

    @database_sync_to_async
    def _session_alive(self) -> bool:
        session = self.scope["session"]
        if not session.session_key:
            return False
        store = import_module(settings.SESSION_ENGINE).SessionStore
        return bool(store(session_key=session.session_key).load().get(SESSION_FIELD))

    async def _announce(self, watcher: FolderWatcher) -> None:
        """Tell the browser once the folder is watched (it then fetches what it may have missed)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READY_TIMEOUT):
                await watcher.ready.wait()
        if self.watchers.get(watcher.folder) is not watcher:
            return
        if watcher.failed or watcher.state is None:
            await self.send_json({"type": "error", "folder": watcher.folder})
            return
        await self.send_json(
            {
                "type": "watching",
                "folder": watcher.folder,
                "uidvalidity": watcher.state.uidvalidity,
                "uidnext": watcher.state.uidnext,
            }
        )

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # hostile or broken client: ignored, not a crash

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "subscribe":
            return
        loop = asyncio.get_running_loop()
        self._subscribes = [t for t in getattr(self, "_subscribes", []) if t > loop.time() - 60]
        if len(self._subscribes) >= SUBSCRIBES_PER_MINUTE:
            return  # each new folder costs an IMAP login: a page view needs one
        self._subscribes.append(loop.time())
        folder = content.get("folder")
        if not isinstance(folder, str):
            return
        try:
            check_folder_name(folder)
        except InvalidName:
            await self.send_json({"type": "error", "folder": folder[:100]})
            return
        if self.viewed is not None and self.viewed in self.watchers and self.viewed != "INBOX":
            registry.release(self.watchers.pop(self.viewed))
        self.viewed = folder
        self.page = present.PageView.parse(content, self.page_size)
        if folder in self.watchers:
            await self._announce(self.watchers[folder])
        else:
            await self._watch(folder)

    async def disconnect(self, code: int) -> None:
        self._release_all()
        if self.counted:
            registry.websockets -= 1
            self.counted = False
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def _release_all(self) -> None:
        watchers, self.watchers = self.watchers, {}
        for watcher in watchers.values():
            registry.release(watcher)
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()

    # -- channel-layer handlers (mailview.live.events.publish) -----------------------

    async def live_event(self, message: dict[str, Any]) -> None:
        payload = message["event"]
        with (
            timezone.override(self.zone),
            clock_format(self.clock),
            translation.override(self.language),
        ):
            event = present.for_browser(payload, self.page)
        if self.page is not None and self.page.needs_page(payload):
            event.update(await self._page_rows(self.page))
        await self.send_json({"type": "event", "event": event})

    async def _page_rows(self, page: present.PageView) -> dict[str, Any]:
        """The page's rows rendered afresh (IMAP in a worker thread), or {} if that failed."""

        def render() -> dict[str, Any]:
            mail = MailSession(self.login, self.server, lambda: self.password)
            with (
                timezone.override(self.zone),
                clock_format(self.clock),
                translation.override(self.language),
            ):
                return present.page_rows(mail, page)

        try:
            return await sync_to_async(render, thread_sensitive=False)()
        except MailError as exc:
            logger.info("live: %s could not render %r: %s", self.login, page.folder, exc)
            return {}

    async def live_ended(self, message: dict[str, Any]) -> None:
        self._release_all()
        await self.close(code=SESSION_ENDED)
