"""Fixtures for the compose tests: the app sends through the real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.compose import start
from webmail.devmail.smtp import SubmissionServer


@pytest.fixture
def compose_settings(smtp_settings: SubmissionServer, settings: Any, tmp_path: Path) -> Any:
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")
    settings.WEBMAIL_DEFAULT_DOMAIN = "example.org"
    return settings


@pytest.fixture
def compose_start() -> Callable[..., str]:
    return start
