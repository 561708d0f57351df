"""A refused login is classified by its RFC 5530 code: wrong password or not checked at all."""

from __future__ import annotations

import pytest

from mailview.imap import errors

from .test_protocol import responses
from .transcripts import login_refusals as t


@pytest.mark.parametrize(("line", "expected"), [*t.DOVECOT.items(), *t.OTHERS.items()])
def test_a_login_refusal_is_classified_by_its_response_code(line, expected):
    (status,) = responses(line + b"\r\n")
    error = errors.login_refusal(errors.refusal("LOGIN", status))
    assert type(error).__name__ == expected
    if expected == "AuthenticationFailed":
        assert not isinstance(error, errors.LoginNotChecked)
    else:
        assert isinstance(error, errors.LoginNotChecked)
        assert not isinstance(error, errors.AuthenticationFailed)


def test_each_reason_has_its_own_message():
    messages = {str(kind.user_message) for kind in errors.LOGIN_REFUSALS.values()}
    assert len(messages) == len(errors.LOGIN_REFUSALS)
    assert str(errors.AuthenticationFailed.user_message) not in messages


def test_the_response_code_is_kept_on_the_refusal():
    (status,) = responses(b"a NO [LIMIT] Too many\r\n")
    assert errors.refusal("LOGIN", status).response_code == "LIMIT"
