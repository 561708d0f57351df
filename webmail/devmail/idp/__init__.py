"""A development OpenID Connect provider for tests and the demo (never part of production).

It is a small Django project of its own built on django-oauth-toolkit in OIDC mode (see
docs/decisions.md), run in a subprocess on a free loopback port: discovery and JWKS (RS256)
under the issuer ``http://127.0.0.1:<port>/o``, the authorization code flow with PKCE
(required), refresh tokens (rotated), token introspection (for Dovecot's oauth2 passdb), the
RP-initiated logout (end-session) endpoint, a plain login form, consent skipped for the
clients registered here. Token lifetimes are arguments, so tests can make them short.

Test users and clients are created through dev-only endpoints guarded by a random admin token
(:meth:`IdentityProvider.add_user`, :meth:`add_client`, :meth:`revoke_user`).

Typical use::

    with IdentityProvider(Path(tempfile.mkdtemp()), access_seconds=5) as idp:
        idp.add_user("alice@example.org", "secret")
        idp.add_client("webmail", "s3cret", redirect_uris=["http://127.0.0.1:8000/sso/callback/"])
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webmail.devmail.dovecot import free_port

__all__ = ["IdentityProvider"]

_START_TIMEOUT = 60.0


class IdentityProvider:
    """The development OIDC provider (module docstring), rooted at ``root``."""

    host = "127.0.0.1"

    def __init__(
        self,
        root: Path,
        *,
        access_seconds: int = 3600,
        id_token_seconds: int = 3600,
        refresh_seconds: int = 86400,
        port: int | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.root = Path(root).absolute()
        self.port = port or free_port()
        self.lifetimes = (access_seconds, id_token_seconds, refresh_seconds)
        # Given: to administer a provider that another process started.
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self._proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<IdentityProvider {self.issuer} {'running' if self.running else 'stopped'}>"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    @property
    def introspection_url(self) -> str:
        return f"{self.issuer}/introspect/"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_file(self) -> Path:
        return self.root / "idp.stdout"

    def _prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        secret_key = self.root / "secret_key"
        if not secret_key.exists():
            secret_key.write_text(secrets.token_urlsafe(50))
        key_file = self.root / "oidc.key"
        if not key_file.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            key_file.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )

    def start(self) -> None:
        """Start the provider (migrating its database) and wait until discovery answers."""
        if self.running:
            return
        self._prepare()
        access, id_token, refresh = self.lifetimes
        env = {
            **os.environ,
            "WEBMAIL_IDP_ROOT": str(self.root),
            "WEBMAIL_IDP_PORT": str(self.port),
            "WEBMAIL_IDP_ADMIN_TOKEN": self.admin_token,
            "WEBMAIL_IDP_ACCESS_SECONDS": str(access),
            "WEBMAIL_IDP_ID_TOKEN_SECONDS": str(id_token),
            "WEBMAIL_IDP_REFRESH_SECONDS": str(refresh),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        with self.log_file.open("ab") as out:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "webmail.devmail.idp"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if self.discovery().get("issuer") == self.issuer:
                    return
            if self._proc.poll() is not None:
                self._proc = None
                raise RuntimeError(f"the identity provider exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the identity provider did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def __enter__(self) -> IdentityProvider:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        return "(no log output)"

    # -- the protocol, as a client sees it ------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    # -- dev-only administration ----------------------------------------------------------------

    def _admin(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base_url}/dev/{path}/",
            content=json.dumps(data),
            headers={"X-Devidp-Admin": self.admin_token, "Content-Type": "application/json"},
            timeout=30,
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def add_user(self, username: str, password: str, email: str | None = None) -> None:
        """A user who signs in with ``username``/``password``; ``email`` claim (default: the
        username, which for mail logins is the address)."""
        self._admin(
            "users", {"username": username, "password": password, "email": email or username}
        )

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_uris: Sequence[str] = (),
        post_logout_redirect_uris: Sequence[str] = (),
    ) -> None:
        """Register (or replace) a confidential client; consent is skipped for it."""
        self._admin(
            "clients",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": list(redirect_uris),
                "post_logout_redirect_uris": list(post_logout_redirect_uris),
            },
        )

    def revoke_user(self, username: str) -> int:
        """Revoke all refresh and access tokens of ``username``; how many refresh tokens."""
        return int(self._admin("revoke", {"username": username})["revoked"])
