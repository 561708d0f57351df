"""Production starts only with the admin's networks and HTTPS said explicitly (issue 12)."""

from __future__ import annotations

import pytest
import yaml

from tests.support.liveserver import ROOT
from tests.webmail.test_deployment import PRODUCTION, start_django

SHOW_ADMIN = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.WEBMAIL_ADMIN_NETWORKS, s.WEBMAIL_HTTPS, s.WEBMAIL_SENDER_POLICY, "
    "s.WEBMAIL_STAFF_REQUIRE_2FA)"
)


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k != name}


def test_production_refuses_to_start_without_the_admin_networks():
    result = start_django(**without("WEBMAIL_ADMIN_NETWORKS"))
    assert result.returncode != 0
    assert "set WEBMAIL_ADMIN_NETWORKS" in result.stderr


@pytest.mark.parametrize("value", ["0.0.0.0/0", "10.0.0.0/8,0.0.0.0/0", "::/0"])
def test_production_refuses_every_network_unless_spelled_any(value):
    result = start_django(**{**PRODUCTION, "WEBMAIL_ADMIN_NETWORKS": value})
    assert result.returncode != 0
    assert "write WEBMAIL_ADMIN_NETWORKS=any" in result.stderr


def test_any_opens_the_admin_to_every_network_when_spelled_out(monkeypatch):
    import subprocess
    import sys

    env = {
        **PRODUCTION,
        "WEBMAIL_ADMIN_NETWORKS": "any",
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_ADMIN], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("['0.0.0.0/0', '::/0'] True")


def test_production_refuses_to_start_without_an_explicit_https_setting():
    result = start_django(**without("WEBMAIL_HTTPS"))
    assert result.returncode != 0
    assert "set WEBMAIL_HTTPS=true" in result.stderr


def test_https_false_is_an_explicit_answer():
    result = start_django(**{**PRODUCTION, "WEBMAIL_HTTPS": "false"})
    assert result.returncode == 0, result.stderr


def test_production_defaults_to_own_address_and_aliases_and_staff_2fa(monkeypatch):
    import subprocess
    import sys

    for name, value in {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "webmail.settings"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WEBMAIL_SENDER_POLICY", raising=False)
    monkeypatch.delenv("WEBMAIL_STAFF_REQUIRE_2FA", raising=False)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_ADMIN], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["aliases", "True"]


def test_the_compose_file_never_opens_the_admin_to_every_network():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["webmail"]["environment"]
    networks = [n.strip() for n in env["WEBMAIL_ADMIN_NETWORKS"].split(",")]
    assert networks and not any(n.endswith("/0") or n.lower() == "any" for n in networks)
    assert env["WEBMAIL_HTTPS"] in {"true", "false"}
    # The compose environment starts (the same checks as production).
    assert start_django(**{k: str(v) for k, v in env.items()}).returncode == 0
