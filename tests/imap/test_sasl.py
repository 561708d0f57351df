"""SASL messages for AUTHENTICATE: PLAIN, OAUTHBEARER (RFC 7628) and XOAUTH2."""

from __future__ import annotations

import base64

import pytest

from mailview.imap.bearer import bearer_secret, bearer_token
from mailview.imap.protocol import sasl


def decoded(message: bytes) -> bytes:
    return base64.b64decode(message)


def test_oauthbearer_matches_the_example_of_rfc_7628():
    # RFC 7628 section 4.1, without host and port: the GS2 header, then ^A-separated pairs.
    message = sasl.oauthbearer("user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
    assert decoded(message) == (
        b"n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
    )


def test_oauthbearer_escapes_commas_and_equals_in_the_authorization_identity():
    assert decoded(sasl.oauthbearer("a,b=c", "t")).startswith(b"n,a=a=2Cb=3Dc,\x01")


def test_oauthbearer_sends_host_and_port_when_given():
    assert b"\x01host=imap.example.org\x01port=993\x01auth=Bearer t\x01\x01" in decoded(
        sasl.oauthbearer("u", "t", "imap.example.org", 993)
    )


def test_xoauth2_is_user_and_bearer_separated_by_ctrl_a():
    assert decoded(sasl.xoauth2("u@example.org", "tok")) == (
        b"user=u@example.org\x01auth=Bearer tok\x01\x01"
    )


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        ({"IMAP4REV1", "AUTH=PLAIN", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"}, "OAUTHBEARER"),
        ({"IMAP4REV1", "AUTH=XOAUTH2"}, "XOAUTH2"),
        ({"IMAP4REV1", "AUTH=PLAIN"}, None),
    ],
)
def test_the_standard_mechanism_is_preferred(capabilities, expected):
    assert sasl.oauth_mechanism(capabilities) == expected


def test_the_error_challenge_is_answered_as_each_mechanism_wants():
    assert decoded(sasl.oauth_error_reply("OAUTHBEARER")) == b"\x01"
    assert sasl.oauth_error_reply("XOAUTH2") == b""


def test_a_bearer_secret_is_never_taken_for_a_password():
    secret = bearer_secret("abc.def")
    assert bearer_token(secret) == "abc.def"
    assert bearer_token("abc.def") is None
    with pytest.raises(ValueError, match="invalid"):
        bearer_secret("with\nnewline")
