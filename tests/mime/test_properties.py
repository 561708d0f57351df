"""Property tests: whatever the message, parsing and rendering never raise and never emit
anything active. Generated messages go through the real Dovecot and the real view code."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailview.mime.sanitize import sanitize_html
from mailview.services import message as reading
from mailview.services.session import MailSession
from tests.support.checks import assert_inert
from tests.support.corpus import ATTACKS

PAYLOADS = [p for payloads in ATTACKS.values() for p in payloads]
TAGS = [
    "p",
    "div",
    "a",
    "img",
    "svg",
    "script",
    "style",
    "table",
    "td",
    "form",
    "b",
    "math",
    "iframe",
    "object",
    "animate",
    "set",
    "feImage",
    "base",
    "meta",
    "noscript",
    "template",
]
ATTRS = [
    "href",
    "src",
    "style",
    "onload",
    "onerror",
    "xlink:href",
    "srcset",
    "background",
    "attributeName",
    "to",
    "values",
    "action",
    "poster",
    " HREF",
    "class",
]
VALUES = [
    "javascript:alert(1)",
    "java\tscript:x",
    "data:text/html,<b>",
    "https://evil.example/x",
    "cid:a@b",
    "url(https://evil.example)",
    "position:fixed",
    "expression(1)",
    "#x",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "&#106;avascript:1",
    '"><script>',
    "e\\78pr",
]


@st.composite
def html_soup(draw) -> str:
    pieces = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            pieces.append(draw(st.sampled_from(PAYLOADS)))
        elif kind == 1:
            tag = draw(st.sampled_from(TAGS))
            attrs = " ".join(
                f'{draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                for _ in range(draw(st.integers(0, 3)))
            )
            pieces.append(f"<{tag} {attrs}>")
        elif kind == 2:
            pieces.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif kind == 3:
            pieces.append(draw(st.text(max_size=20)))
        else:
            pieces.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<", ">", "&"])))
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(markup=html_soup(), remote=st.booleans())
def test_sanitizer_output_is_always_inert(markup, remote):
    result = sanitize_html(markup, allow_remote=remote, cid={"a@b": "/message-part/F/1/2/"}.get)
    assert_inert(str(result.html), remote_allowed=remote)
    assert result.remote_blocked >= 0


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_sanitizer_never_raises_on_any_text(text):
    assert_inert(str(sanitize_html(text).html))


# -- whole messages through Dovecot ------------------------------------------------------------

CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "x-unknown",
    "utf-16",
    "base64",
    "",
    "shift_jis",
    "koi8-r",
    '"utf-8',
    "utf-8'; x",
]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", ""]
TYPES = [
    "text/plain",
    "text/html",
    "image/png",
    "application/pdf",
    "message/rfc822",
    "text/plain; format=flowed; delsp=yes",
    "application/x-bogus",
    ";;",
    "text/",
]
boundaries = itertools.count()


@st.composite
def body_bytes(draw) -> bytes:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=300))
    if kind == 1:
        return draw(st.sampled_from(PAYLOADS)).encode()
    if kind == 2:
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return b"SGVsbG8=!!==\r\n=\r\n=XX=4"


def leaf(draw) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    head = f"Content-Type: {ctype}; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n"
    if draw(st.booleans()):
        name = draw(
            st.sampled_from(["../../x.html", "a\r\n.svg", "=?utf-8?q?=E2=80=AE?=", "ok.pdf"])
        )
        head += f'Content-Disposition: attachment; filename="{name}"\r\n'
    if draw(st.booleans()):
        head += "Content-ID: <a@b>\r\n"
    return head.encode() + b"\r\n" + draw(body_bytes())


@st.composite
def mime_tree(draw, depth: int = 0) -> bytes:
    if depth > 12 or draw(st.integers(0, 2)) == 0:
        return leaf(draw)
    boundary = f"b{next(boundaries)}"
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "digest", "signed"]))
    children = [draw(mime_tree(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    closing = draw(st.sampled_from([f"--{boundary}--", f"--{boundary}", "", f"--{boundary}x--"]))
    wrong = draw(st.booleans())
    declared = boundary if not wrong else boundary + "-other"
    body = b"".join(f"--{boundary}\r\n".encode() + c + b"\r\n" for c in children)
    head = f'Content-Type: multipart/{subtype}; boundary="{declared}"\r\n'
    return head.encode() + b"\r\n" + body + closing.encode()


@st.composite
def messages(draw) -> bytes:
    subject = draw(
        st.sampled_from(
            [
                "plain",
                "=?utf-8?q?J=C3=BCrgen?=",
                "=?x-bogus?b?!!!?=",
                "=?utf-8?b?PHNjcmlwdD4=?=",
                "x" * draw(st.integers(0, 30000)),
            ]
        )
    )
    sender = draw(
        st.sampled_from(["A <a@example.org>", "<>", "@@@", '"x" <', "=?utf-8?q?=00?= <b@c>"])
    )
    extra = "X-Huge: " + "h" * draw(st.integers(0, 60000)) + "\r\n" if draw(st.booleans()) else ""
    head = (
        f"From: {sender}\r\nTo: a@example.org\r\nSubject: {subject}\r\n{extra}MIME-Version: 1.0\r\n"
    )
    return head.encode() + draw(mime_tree())


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=messages(), prefer_html=st.booleans())
def test_any_message_renders_without_error_and_inert(alice, mail_server, raw, prefer_html):
    uid = alice.append("INBOX", raw)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    try:
        _, view = reading.message_view(
            mail,
            reading.ViewRequest("INBOX", uid, prefer_html=prefer_html),
            lambda s: f"/message-part/INBOX/{uid}/{s}/?inline=1",
            lambda _s: False,
        )
        for body in view.bodies:
            if body.kind == "text":
                assert_inert(str(body.html))
            else:
                frame = reading.message_frame(
                    mail,
                    "INBOX",
                    uid,
                    body.section,
                    lambda s: f"/message-part/INBOX/{uid}/{s}/?inline=1",
                    lambda _s: False,
                )
                assert_inert(str(frame.html))
        for attachment in view.attachments:
            assert "/" not in attachment.filename and "\r" not in attachment.filename
    finally:
        mail.pool.close_all()
