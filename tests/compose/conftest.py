"""Fixtures for the compose tests: the app sends through the real SMTP server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.compose import start


@pytest.fixture
def compose_start() -> Callable[..., str]:
    return start
