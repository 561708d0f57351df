"""A real nginx (Debian's nginx-light) in front of the webmail served the documented way
(`python -m webmail.serve`), for the tests where a reverse proxy matters.

The site configuration is docker/nginx.conf, the one docs/deployment.md shows, with only what a
test machine needs changed: the listening address, the upstream's address, and the address
nginx connects from (`proxy_bind`), so that the proxy, the client and the app each have their
own loopback address.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.liveserver import stop_process, wait_for_port
from webmail.devmail.dovecot import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
SITE = ROOT / "docker" / "nginx.conf"


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    log_file: Path
    database: Path

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


@contextmanager
def serve_webmail(workdir: Path, env: Mapping[str, str]) -> Iterator[Served]:
    """`python -m webmail.serve` (one worker) on a free port, with a fresh SQLite database."""
    port = free_port()
    database = workdir / "db.sqlite3"
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "proxy-test-secret-key-0123456789-abcdefghijkl",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=full_env,
        check=True,
    )
    log_file = workdir / "webmail.log"
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "webmail.serve", "--bind", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, lambda: log_file.read_text(errors="replace"))
        yield Served(f"http://127.0.0.1:{port}", port, log_file, database)
    finally:
        stop_process(process)


def site_config(upstream_port: int, listen_port: int, bind: str) -> str:
    """docker/nginx.conf for this machine: only addresses and ports changed."""
    site = SITE.read_text()
    replaced = {
        "server webmail:8000;": f"server 127.0.0.1:{upstream_port};",
        "listen 80;": f"listen 127.0.0.1:{listen_port};",
        "proxy_pass http://webmail;": f"proxy_pass http://webmail;\n        proxy_bind {bind};",
    }
    for old, new in replaced.items():
        assert old in site, f"docker/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    return site


@contextmanager
def run_nginx(workdir: Path, upstream_port: int, *, bind: str = "127.0.0.2") -> Iterator[str]:
    """nginx in the foreground with the site config; yields its base URL."""
    port = free_port()
    conf = workdir / "nginx.conf"
    temp = workdir / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site_config(upstream_port, port, bind)}
}}
"""
    )
    log_file = workdir / "nginx-stderr.log"
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "nginx-error.log")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, lambda: log_file.read_text(errors="replace"))
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)
