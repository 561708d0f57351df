"""50 users at once through the real Daphne: every one gets their own mailbox, without errors."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.pages import list_subjects
from webmail.devmail.factories import make_message

USERS = 50


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    page = await client.get("/accounts/login/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the login page"
    token = found.group(1)
    response = await client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.text[:500]


def test_fifty_users_list_their_own_mail_at_the_same_time(daphne_server, mail_user_factory):
    users = [mail_user_factory(f"c{i}") for i in range(USERS)]
    for user in users:
        user.append("INBOX", make_message(subject=f"for {user.username}"))

    async def scenario() -> list[tuple[str, int, str]]:
        clients = [httpx.AsyncClient(base_url=daphne_server.url, timeout=60) for _ in users]
        try:
            await asyncio.gather(
                *(log_in(c, u.username, u.password) for c, u in zip(clients, users, strict=True))
            )
            responses = await asyncio.gather(*(c.get("/mail/INBOX/") for c in clients))
            return [
                (u.username, r.status_code, r.text) for u, r in zip(users, responses, strict=True)
            ]
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    # Playwright's sync API may own this thread's event loop: run ours in a thread of its own.
    with ThreadPoolExecutor(1) as executor:
        results = executor.submit(asyncio.run, scenario()).result()
    for username, status, text in results:
        assert status == 200
        found = list_subjects(text)
        assert found == [f"for {username}"]
