"""What the tests share: the private Dovecot and SMTP servers (pytest plugins ``dovecot`` and
``smtp``, loaded by tests/conftest.py), the Daphne live server, personas and helpers for
browser, live and compose tests. Tests import from here, never from a conftest module."""
