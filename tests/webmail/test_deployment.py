"""Production settings, HTTPS settings, the multi-worker launcher, the compose file."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml
from django.test import Client

from tests.support.liveserver import ROOT, mail_env
from tests.support.procnet import child_pids, connections_by_pid, listening_sockets_by_pid
from webmail.devmail.dovecot import free_port

SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_HSTS_SECONDS', 0), "
    "getattr(s, 'SECURE_SSL_REDIRECT', False), s.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN)"
)
GOOD_KEY = "k" * 20 + "-production-secret-0123456789"
#: What production needs said explicitly (issue 12 added the admin's networks and HTTPS).
PRODUCTION = {
    "WEBMAIL_PRODUCTION": "true",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "mail.example.org",
    "WEBMAIL_ADMIN_NETWORKS": "10.1.0.0/16",
    "WEBMAIL_HTTPS": "true",
}


def start_django(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "WEBMAIL_PRODUCTION",
            "WEBMAIL_HTTPS",
            "DEBUG",
            "WEBMAIL_ADMIN_NETWORKS",
            "WEBMAIL_SENDER_POLICY",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "webmail.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(WEBMAIL_PRODUCTION="true", ALLOWED_HOSTS="mail.example.org")
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = start_django(
        WEBMAIL_PRODUCTION="true", ALLOWED_HOSTS="mail.example.org", SECRET_KEY="short"
    )
    assert result.returncode != 0 and "set SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = start_django(WEBMAIL_PRODUCTION="true", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "set ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug():
    result = start_django(
        WEBMAIL_PRODUCTION="true", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="m.example", DEBUG="true"
    )
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr


def test_production_starts_with_both_and_refuses_unknown_domains_by_default():
    result = start_django(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_the_embedded_default_starts_without_any_of_it():
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "0", "False", "True"]


def test_one_setting_turns_on_secure_cookies_hsts_and_the_https_redirect():
    result = start_django(WEBMAIL_HTTPS="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:4] == ["True", "True", "31536000", "True"]


@pytest.mark.django_db
def test_https_behind_a_proxy_redirects_plain_http_and_sends_hsts(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@contextmanager
def launcher_database(workdir: Path) -> Iterator[str]:
    """The database the launched workers use: PostgreSQL in the hosted run, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'db.sqlite3'}"
        return
    import psycopg

    parsed = urlsplit(url)
    name = f"webmail_serve_{secrets.token_hex(4)}"
    admin: dict[str, Any] = {
        "host": parsed.hostname,
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parsed._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_launcher_serves_with_two_worker_processes_on_one_socket(dovecot):
    """The hosted stack in small: two workers, and in the hosted run PostgreSQL and Redis."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-serve-"))
    with launcher_database(workdir) as database_url:
        serve_two_workers(workdir, database_url, dovecot)


def serve_two_workers(workdir: Path, database_url: str, dovecot) -> None:
    port = free_port()
    env = {
        **os.environ,
        **mail_env(dovecot),
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "launcher-test-secret-key-0123456789",
        "WEBMAIL_WORKER_INTERVAL": "0.5",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = open(workdir / "serve.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "webmail.serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        workers: set[str] = set()
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, (workdir / "serve.log").read_text()
            try:
                text = httpx.get(f"{base}/metrics", timeout=5).text
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            workers = set(re.findall(r'webmail_imap_connections_open\{worker="([^"]+)"\}', text))
            time.sleep(0.2)
        assert len(workers) == 2, (workdir / "serve.log").read_text()
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # Counters of both workers are added up (prometheus_client multiprocess mode).
        text = httpx.get(f"{base}/metrics", timeout=5).text
        assert 'webmail_http_requests_total{method="GET",status="200",view="metrics"}' in text
        # Each worker has a socket of its own (SO_REUSEPORT): the kernel spreads connections
        # over both (by a hash of the addresses; all 40 on one worker: a chance of 2**-39).
        clients = [httpx.Client(base_url=base, timeout=10) for _ in range(40)]
        try:
            for client in clients:
                assert client.get("/healthz").status_code == 200  # the connection stays open
            pids = child_pids(process.pid)
            held = connections_by_pid(pids, port)
            listening = listening_sockets_by_pid(pids, port)
        finally:
            for client in clients:
                client.close()
        assert len(held) == 2 and sum(held.values()) == 40, held
        assert min(held.values()) >= 5, held
        first, second = listening.values()
        assert len(first) == len(second) == 1 and first != second, listening
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
    assert process.returncode == 0


def test_the_compose_file_describes_the_hosted_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"webmail", "postgres", "redis", "mail"} <= set(services)
    web = services["webmail"]
    assert web["deploy"]["replicas"] == 2
    env = web["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["WEBMAIL_PRODUCTION"] == "true"
    assert {"postgres", "redis", "mail"} <= set(web["depends_on"])
    assert "healthcheck" in web
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        subprocess.run(["docker", "compose", "config", "-q"], cwd=ROOT, check=True)
