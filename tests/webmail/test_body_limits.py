"""Request bodies over the limit are refused before they are read: by the server (Daphne as
`webmail.serve` runs it) from Content-Length or a chunked body's running count, and by Django
per endpoint (a forged session cookie does not buy the upload limit for the login form)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.dovecot import MailUser
from tests.support.liveserver import mail_env
from tests.support.nginx import Served, serve_webmail
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message, message_bytes

ANONYMOUS_LIMIT = 64 * 1024
UPLOAD_LIMIT = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def served(dovecot: Dovecot) -> Iterator[Served]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-limits-"))
    env = {
        **mail_env(dovecot),
        "WEBMAIL_ANONYMOUS_MAX_BODY": str(ANONYMOUS_LIMIT),
        "WEBMAIL_MAX_UPLOAD_BODY": str(UPLOAD_LIMIT),
    }
    try:
        with serve_webmail(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def raw_request(
    served: Served, head: str, body_pieces: tuple[bytes, ...] = ()
) -> tuple[bytes, int]:
    """Send the head, then body pieces while the server keeps reading; (response, bytes sent
    of the body)."""
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=30)
    sent = 0
    with sock:
        sock.sendall(head.encode())
        for piece in body_pieces:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while data := sock.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    return b"".join(chunks), sent


def test_an_anonymous_body_over_the_limit_is_refused_at_the_headers(served):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    response, _sent = raw_request(served, head)  # not one byte of the body sent
    assert response.startswith(b"HTTP/1.1 413 ")
    assert b"The request is too large." in response


def test_a_chunked_body_is_refused_once_it_passes_the_limit(served):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"a" * 16384
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    response, _sent = raw_request(served, head, (chunk,) * (ANONYMOUS_LIMIT // len(piece) + 2))
    assert response.startswith(b"HTTP/1.1 413 ")


def test_a_forged_session_cookie_does_not_raise_the_login_forms_limit(served):
    body = b"username=a&password=" + b"x" * (ANONYMOUS_LIMIT * 2)
    with httpx.Client(base_url=served.url, timeout=30) as client:
        response = client.post(
            "/accounts/login/",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "sessionid=forged",
            },
        )
    assert response.status_code == 413


def test_small_bodies_and_a_users_upload_still_pass(served, alice: MailUser):
    with httpx.Client(base_url=served.url, timeout=60, follow_redirects=False) as client:
        client.get("/accounts/login/")
        token = client.cookies["csrftoken"]
        response = client.post(
            "/accounts/login/",
            data={
                "username": alice.username,
                "password": alice.password,
                "csrfmiddlewaretoken": token,
            },
        )
        assert response.status_code == 302, response.text[:300]
        # An import of about 3 MB: above the anonymous limit (and partly spooled to disk by
        # the server), below the upload limit.
        mbox = b"".join(
            b"From x@example.org Thu Dec  3 10:00:00 2026\n"
            + message_bytes(make_message(subject=f"Imported {i}", text="y" * 100_000))
            + b"\n"
            for i in range(30)
        )
        response = client.post(
            "/folders/import/",
            data={"folder": "INBOX", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            files={"files": ("big.mbox", mbox, "application/mbox")},
        )
        assert response.status_code == 200, response.text[:300]
        assert "30 messages imported into INBOX." in response.text
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    # Even a user's upload has a limit, refused at the headers.
    head = (
        "POST /folders/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: {cookies}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {UPLOAD_LIMIT + 1}\r\n\r\n"
    )
    response_bytes, _sent = raw_request(served, head)
    assert response_bytes.startswith(b"HTTP/1.1 413 ")
