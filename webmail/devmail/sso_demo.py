"""The single sign-on half of the demo (``scripts/run``): the development identity provider,
the oauth2 passdb of the demo Dovecot, and an SSO demo user.

``python -m webmail.devmail.sso_demo provider --root DIR`` starts the provider (until
SIGTERM/SIGINT), registers Dovecot as its client, creates the user ``sso@example.org``
(password ``sso``, at the provider only) and writes ``DIR/sso.json`` (private: it holds the
dev provider's admin token) and the Dovecot snippet ``DIR/oauth2/extra.conf`` (for
``webmail.devmail.demo --extra-config``).

``python -m webmail.devmail.sso_demo configure --root DIR --base-url URL`` (once the demo
Dovecot and SMTP server run and the webmail's database is migrated) registers the webmail at
``URL`` as the provider's client, gives the SSO user a mailbox (with a random mail password
nobody uses) and makes ``example.org`` a domain of the webmail with the provider as its single
sign-on.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from webmail.devmail.dovecot import Dovecot, append_message
from webmail.devmail.dovecot_oauth2 import oauth2_extra_config
from webmail.devmail.factories import make_message
from webmail.devmail.idp import IdentityProvider

SSO_USER = "sso@example.org"
SSO_PASSWORD = "sso"


def _write_private(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(data) + "\n")
    os.replace(tmp, path)


def provider(root: Path) -> int:
    root.mkdir(parents=True, exist_ok=True)
    out = root / "sso.json"
    out.unlink(missing_ok=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    idp = IdentityProvider(root / "idp")
    idp.start()
    try:
        dovecot_secret = secrets.token_urlsafe(24)
        idp.add_client("dovecot", dovecot_secret)
        idp.add_user(SSO_USER, SSO_PASSWORD)
        snippet = oauth2_extra_config(
            root / "oauth2", idp.introspection_url, "dovecot", dovecot_secret
        )
        (root / "oauth2" / "extra.conf").write_text(snippet)
        _write_private(
            out, {"issuer": idp.issuer, "port": idp.port, "admin_token": idp.admin_token}
        )
        print(json.dumps({"issuer": idp.issuer}), flush=True)
        while not stop.wait(0.5):
            if not idp.running:
                print(f"the identity provider exited:\n{idp.log_tail()}", file=sys.stderr)
                return 1
        return 0
    finally:
        idp.stop()
        out.unlink(missing_ok=True)


def configure(root: Path, base_url: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    import django

    django.setup()
    from accounts.models import Domain, OIDCProvider
    from accounts.servers import clear_domain_cache
    from accounts.sso.secret import seal_client_secret

    sso = json.loads((root / "sso.json").read_text())
    idp = IdentityProvider(root / "idp", port=int(sso["port"]), admin_token=sso["admin_token"])
    client_secret = secrets.token_urlsafe(24)
    idp.add_client(
        "webmail",
        client_secret,
        redirect_uris=[f"{base_url}/accounts/login/sso/callback/"],
        post_logout_redirect_uris=[f"{base_url}/accounts/login/"],
    )
    ports = json.loads((root / "ports.json").read_text())
    smtp = json.loads((root / "smtp.json").read_text())
    # Only the users directory of the running demo Dovecot is written here.
    mail_password = secrets.token_urlsafe(16)
    Dovecot(root).add_user(SSO_USER, mail_password)
    marker = root / "seeded-sso"
    if not marker.exists():
        import imapclient

        client = imapclient.IMAPClient(ports["host"], int(ports["imap_port"]), ssl=False)
        try:
            client.login(SSO_USER, mail_password)
            for subject in ("Welcome to single sign-on", "Your mailbox, without a password"):
                message = make_message(subject=subject, to=SSO_USER, text=f"{subject}.\n")
                append_message(client, "INBOX", message)
        finally:
            client.logout()
        marker.write_text("seeded\n")
    domain, _ = Domain.objects.update_or_create(
        name="example.org",
        defaults={
            "imap_host": ports["host"],
            "imap_port": int(ports["imap_port"]),
            "imap_security": "starttls" if ports.get("ca_file") else "none",
            "ca_file": ports.get("ca_file") or "",
            "smtp_host": smtp["SMTP_HOST"],
            "smtp_port": int(smtp["SMTP_PORT"]),
            "smtp_security": smtp["SMTP_SECURITY"],
        },
    )
    OIDCProvider.objects.update_or_create(
        domain=domain,
        defaults={
            "name": "Dev IdP",
            "issuer": sso["issuer"],
            "client_id": "webmail",
            "client_secret_sealed": seal_client_secret(client_secret),
        },
    )
    clear_domain_cache()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webmail.devmail.sso_demo")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("provider", help="run the identity provider")
    start.add_argument("--root", type=Path, required=True)
    setup = commands.add_parser("configure", help="the webmail client, SSO user and domain")
    setup.add_argument("--root", type=Path, required=True)
    setup.add_argument("--base-url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    if args.command == "provider":
        return provider(args.root.absolute())
    return configure(args.root.absolute(), args.base_url.rstrip("/"))


if __name__ == "__main__":
    sys.exit(main())
