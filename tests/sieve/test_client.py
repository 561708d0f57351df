"""The ManageSieve client against Pigeonhole: STARTTLS, SASL PLAIN and every script command."""

from __future__ import annotations

import pytest

from mailview.imap.endpoint import Endpoint
from mailview.sieve.client import ManageSieve, quote_argument
from mailview.sieve.errors import (
    AuthenticationFailed,
    FiltersUnavailable,
    ScriptRejected,
    SieveCommandFailed,
)
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack


def test_starttls_login_announces_the_sieve_extensions(
    sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        caps = sieve.capabilities
        assert "Pigeonhole" in caps.implementation
        assert {"fileinto", "vacation", "imap4flags", "copy", "date", "mime"} <= caps.sieve
        assert caps.has("vacation-seconds")
        assert "PLAIN" in caps.sasl
        assert sieve.list_scripts() == []


def test_wrong_password_is_an_authentication_failure(
    sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    with pytest.raises(AuthenticationFailed):
        ManageSieve.open(sieve_stack.endpoint, sieve_alice.username, "not-the-password")


def test_unverifiable_certificate_is_refused(
    sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    endpoint = Endpoint(sieve_stack.dovecot.host, sieve_stack.managesieve_port, "starttls")
    with pytest.raises(FiltersUnavailable):
        ManageSieve.open(endpoint, sieve_alice.username, sieve_alice.password)


def test_closed_port_is_filters_unavailable(sieve_alice: MailUser) -> None:
    from webmail.devmail.dovecot import free_port

    with pytest.raises(FiltersUnavailable):
        ManageSieve.open(Endpoint("127.0.0.1", free_port(), "none"), "x", "y", timeout=5)


def test_put_get_list_activate_delete(sieve_stack: SieveStack, sieve_alice: MailUser) -> None:
    script = 'require "fileinto";\r\nif header :contains "subject" "x" { fileinto "X"; }\r\n'
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("first", script)
        sieve.put_script('odd "name" \\ OK', "keep;\r\n")
        assert sieve.get_script("first") == script
        names = {s.name: s.active for s in sieve.list_scripts()}
        assert names == {"first": False, 'odd "name" \\ OK': False}
        sieve.set_active('odd "name" \\ OK')
        assert [s.name for s in sieve.list_scripts() if s.active] == ['odd "name" \\ OK']
        sieve.set_active("")
        assert not any(s.active for s in sieve.list_scripts())
        sieve.delete_script("first")
        assert [s.name for s in sieve.list_scripts()] == ['odd "name" \\ OK']
        with pytest.raises(SieveCommandFailed) as failed:
            sieve.get_script("first")
        assert failed.value.code == "NONEXISTENT"


def test_checkscript_reports_errors_by_line(sieve_stack: SieveStack, sieve_alice: MailUser) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.check_script("keep;\r\n")
        with pytest.raises(ScriptRejected) as rejected:
            sieve.check_script('require "fileinto";\r\nkeep;\r\nbogus;\r\n')
        assert "line 3:" in rejected.value.message
        with pytest.raises(ScriptRejected):
            sieve.put_script("broken", "bogus;\r\n")
        assert sieve.list_scripts() == []


def test_script_names_with_line_breaks_are_refused_before_sending() -> None:
    with pytest.raises(ValueError):
        quote_argument("a\r\nLOGOUT")


def test_bob_cannot_see_alice_scripts(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_bob: MailUser
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("private", "keep;\r\n")
    with sieve_stack.connect(sieve_bob) as sieve:
        assert sieve.list_scripts() == []
        with pytest.raises(SieveCommandFailed):
            sieve.get_script("private")
