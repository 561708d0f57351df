"""The sanitizer against each attack class of the issue (payloads in tests/mime/corpus.py)."""

from __future__ import annotations

import pytest

from mailview.mime.sanitize import linkify_line, sanitize_html, text_to_html
from mailview.mime.text import text_lines
from tests.support.checks import assert_inert, elements
from tests.support.corpus import ATTACKS


def clean(markup: str, **kwargs) -> str:
    return str(sanitize_html(markup, **kwargs).html)


def tags(markup: str) -> set[str]:
    return {e.tag for e in elements(markup) if isinstance(e.tag, str)}


@pytest.mark.parametrize("payload", ATTACKS["script"])
def test_script_and_event_handlers_are_removed(payload):
    out = clean(payload)
    assert_inert(out)
    assert "script" not in tags(out)
    assert "__pwned" not in out  # dropped with their contents


@pytest.mark.parametrize("payload", ATTACKS["forms"])
def test_forms_and_controls_are_removed(payload):
    out = clean(payload)
    assert_inert(out)
    assert not tags(out) & {"form", "input", "button", "textarea", "select", "option"}
    assert "evil.example" not in out


@pytest.mark.parametrize("payload", ATTACKS["base_meta"])
def test_base_meta_refresh_and_link_are_removed(payload):
    out = clean(payload)
    assert_inert(out)
    assert not tags(out) & {"base", "meta", "link"}
    assert "refresh" not in out and "evil.example" not in out


def test_relative_links_do_not_survive_without_base():
    out = clean('<base href="https://evil.example/"><a href="page">relative</a>')
    assert 'href="page"' not in out and "relative" in out


@pytest.mark.parametrize("payload", ATTACKS["object_embed"])
def test_object_embed_and_frames_are_removed(payload):
    out = clean(payload)
    assert_inert(out)
    assert not tags(out) & {"object", "embed", "iframe", "frame", "frameset", "applet", "portal"}


@pytest.mark.parametrize("payload", ATTACKS["svg"])
def test_svg_and_mathml_are_removed_with_their_tricks(payload):
    out = clean(payload)
    assert_inert(out)
    lowered = out.lower()
    for word in ("svg", "animate", "set", "feimage", "href", "javascript", "math", "evil.example"):
        assert f"<{word}" not in lowered
    assert "javascript:" not in lowered and "evil.example" not in lowered


@pytest.mark.parametrize("payload", ATTACKS["javascript_urls"])
def test_javascript_urls_are_dropped_however_spelled(payload):
    out = clean(payload)
    assert_inert(out)
    assert "script:" not in out.lower().replace("\t", "").replace("\n", "")
    assert "href=" not in out and "src=" not in out


@pytest.mark.parametrize("payload", ATTACKS["data_urls"][:-1])
def test_data_urls_other_than_plain_raster_images_are_dropped(payload):
    out = clean(payload)
    assert_inert(out)  # any data: URL left is a plain raster image (its bytes cannot run)
    assert "svg" not in out.lower() and "text/html" not in out.lower()


def test_raster_data_images_are_kept_but_not_as_links():
    out = clean(ATTACKS["data_urls"][-1] + '<img src="data:image/png;base64,iVBORw0KGgo=">')
    assert out.count("data:image/png") == 1
    assert '<img src="data:image/png;base64,iVBORw0KGgo=">' in out
    assert "<a>png link</a>" in out


@pytest.mark.parametrize("payload", ATTACKS["css"])
def test_css_cannot_load_run_or_escape_the_frame(payload):
    result = sanitize_html(payload)
    out = str(result.html)
    assert_inert(out)
    assert "evil.example" not in out and "expression" not in out
    assert "fixed" not in out


def test_css_keeps_harmless_declarations_and_selectors():
    out = clean(
        "<style>a > b, .x:hover { color: red; margin: 0 auto !important }</style>"
        "<p style=\"color: #333; font-family: 'Helvetica Neue', Arial; padding: 4px\">x</p>"
    )
    assert "a > b, .x:hover { color: red; margin: 0 auto !important }" in out
    assert "color: #333" in out and "Helvetica Neue" in out and "padding: 4px" in out


def test_remote_css_backgrounds_and_fonts_are_counted_and_allowed_on_request():
    payload = '<div style="background-image: url(https://cdn.example/bg.png)">x</div>'
    blocked = sanitize_html(payload)
    assert blocked.remote_blocked == 1 and "cdn.example" not in blocked.html
    allowed = sanitize_html(payload, allow_remote=True)
    assert allowed.remote_blocked == 0
    assert 'background-image: url("https://cdn.example/bg.png")' in allowed.html
    fonts = sanitize_html("<style>@font-face { src: url(https://f.example/a.woff) }</style>")
    assert fonts.remote_blocked == 1 and "f.example" not in fonts.html
    fonts = sanitize_html(
        "<style>@font-face { src: url(https://f.example/a.woff) }</style>", allow_remote=True
    )
    assert fonts.remote_blocked == 0 and 'src: url("https://f.example/a.woff")' in fonts.html


@pytest.mark.parametrize("payload", ATTACKS["remote"])
def test_remote_content_is_blocked_and_counted(payload):
    result = sanitize_html(payload)
    assert_inert(str(result.html))
    assert "evil.example" not in result.html
    assert result.remote_blocked >= 1 or "//evil.example/protocol-relative" in payload
    allowed = sanitize_html(payload, allow_remote=True)
    assert_inert(str(allowed.html), remote_allowed=True)
    assert allowed.remote_blocked == 0


REMOTE_RICH = (
    "<style>@font-face { font-family: Brand; src: url(https://fonts.example/b.woff2)"
    ' format("woff2"), url("http://fonts.example/b.woff") format("woff"); font-weight: 400 }'
    " p { font-family: Brand, sans-serif }</style><p>styled</p>"
    '<img src="https://img.example/a.png" srcset="https://img.example/b.png 2x,'
    ' https://img.example/c.png 900w" sizes="50vw">'
    '<picture><source srcset="https://img.example/p.webp" type="image/webp">'
    '<img src="https://img.example/p.png"></picture>'
    '<video poster="https://img.example/poster.png" src="https://media.example/v.mp4" autoplay'
    ' loop><source src="https://media.example/v.webm" type="video/webm">'
    '<track src="https://media.example/t.vtt"></video>'
)


def test_remote_fonts_srcset_and_posters_are_blocked_and_counted():
    result = sanitize_html(REMOTE_RICH)
    out = str(result.html)
    assert_inert(out)
    assert "example/" not in out  # nothing left that names another host
    assert "@font-face" not in out and "srcset" not in out and "<video" not in out
    assert "p { font-family: Brand, sans-serif }" in out  # the rest of the style stays
    assert "<picture><source" in out and "<img>" in out  # the fallback image, without src
    # font, img src, img srcset, source srcset, picture img src, video src and poster
    assert result.remote_blocked == 7


def test_remote_fonts_srcset_and_posters_load_when_allowed():
    result = sanitize_html(REMOTE_RICH, allow_remote=True)
    out = str(result.html)
    assert_inert(out, remote_allowed=True)
    assert result.remote_blocked == 0
    assert (
        '@font-face { font-family: Brand; src: url("https://fonts.example/b.woff2")'
        ' format("woff2"), url("http://fonts.example/b.woff") format("woff"); font-weight: 400 }'
    ) in out
    assert 'srcset="https://img.example/b.png 2x, https://img.example/c.png 900w"' in out
    assert '<source type="image/webp" srcset="https://img.example/p.webp">' in out
    video = next(e for e in elements(out) if e.tag == "video")
    assert video.attrib == {
        "src": "https://media.example/v.mp4",
        "poster": "https://img.example/poster.png",
        "controls": "",
        "preload": "none",  # the poster shows; the video loads only when played, never by itself
    }
    assert "track" not in tags(out) and "autoplay" not in out and "loop" not in out


@pytest.mark.parametrize(
    "srcset",
    [
        "https://img.example/a.png 2x, javascript:alert(1) 1x",
        "https://img.example/a.png 2x, data:image/svg+xml;base64,PHN2Zz4= 1x",
        "https://img.example/a.png 2x onerror=alert(1)",
        "https://img.example/a.png 2x, /relative.png 1x",
        "//img.example/protocol-relative.png 2x",
    ],
)
def test_srcset_with_any_bad_candidate_is_dropped_even_when_remote_is_allowed(srcset):
    out = clean(f'<img src="https://img.example/a.png" srcset="{srcset}">', allow_remote=True)
    assert_inert(out, remote_allowed=True)
    assert "srcset" not in out and 'src="https://img.example/a.png"' in out


@pytest.mark.parametrize(
    "src",
    [
        "local(Arial)",
        "url(javascript:alert(1))",
        "url(data:font/woff2;base64,AAAA)",
        "url(/message-part/x)",
        "url(https://fonts.example/a.woff) format(woff2)",
        "url(https://fonts.example/a.woff) tech(variations)",
        "url(https://fonts.example/a.woff), expression(alert(1))",
    ],
)
def test_font_face_keeps_only_remote_urls_with_format_hints(src):
    css = f"<style>@font-face {{ font-family: x; src: {src} }} p {{ color: red }}</style>"
    result = sanitize_html(css, allow_remote=True)
    out = str(result.html)
    assert_inert(out, remote_allowed=True)
    assert "@font-face" not in out and "p { color: red }" in out


@pytest.mark.parametrize("payload", ATTACKS["mutation"])
def test_markup_cannot_change_meaning_after_sanitizing(payload):
    out = clean(payload)
    assert_inert(out)
    # What came out reads the same the second time: re-sanitizing it finds nothing new.
    again = clean(out)
    assert_inert(again)
    assert "".join(e.text or "" for e in elements(again)) == "".join(
        e.text or "" for e in elements(out)
    )
    assert not [e for e in elements(out) if e.tag == "img" and "onerror" in e.attrib]


def test_cid_references_become_urls_of_the_message_parts():
    out = clean(
        '<img src="cid:logo@x"><img src="CID:<other@x>"><img src="cid:unknown@x">'
        '<div style="background: url(cid:logo@x)">x</div>',
        cid={
            "logo@x": "/message-part/INBOX/5/2/?inline=1",
            "other@x": "/message-part/INBOX/5/3/?inline=1",
        }.get,
    )
    assert '<img src="/message-part/INBOX/5/2/?inline=1">' in out
    assert '<img src="/message-part/INBOX/5/3/?inline=1">' in out
    assert out.count("<img") == 3 and "unknown" not in out
    assert 'url("/message-part/INBOX/5/2/?inline=1")' in out


def test_links_open_in_a_new_tab_without_opener_or_referrer():
    out = clean(
        '<a href="https://example.org/" target="_self" rel="opener">x</a><a href="#top">t</a>'
    )
    assert '<a href="https://example.org/" target="_blank" rel="noopener noreferrer">x</a>' in out
    assert '<a href="#top">t</a>' in out


def test_body_attributes_survive_as_a_div():
    out = clean('<html><body bgcolor="#eee" style="margin: 0"><p>x</p></body></html>')
    assert out.startswith('<div bgcolor="#eee" style="margin: 0">')


# -- the plain-text linkifier --------------------------------------------------------------------


def test_linkifier_placeholder_tokens_are_plain_text():
    # Linkifiers that swap URLs for tokens and swap them back can be fed their own tokens.
    for token in ("%%LINK0%%", "\x00LINK0\x00", "{{0}}", "\ufffc0\ufffc", "@@URL_0@@"):
        out = linkify_line(f"{token} https://example.org/ {token}<script>")
        assert out.count("<a ") == 1
        assert "<script>" not in out and "&lt;script&gt;" in out


def test_linkifier_reference_style_links_stay_text():
    out = linkify_line('[click][1] [1]: javascript:alert(1) "title" [2]: https://ok.example/')
    assert "javascript" not in "".join(a for a in out.split('href="')[1:] if a)
    assert out.count("<a ") == 1 and 'href="https://ok.example/"' in out


def test_linkifier_mailto_with_angle_brackets():
    out = linkify_line('<mailto:a@example.org?subject=<img src=x onerror=alert(1)>"x>')
    assert '<a href="mailto:a@example.org"' in out
    assert "<img" not in out and "&lt;img" in out
    out = linkify_line("write to <bob@example.org> or mailto:carol@example.org.")
    assert 'href="mailto:bob@example.org"' in out and 'href="mailto:carol@example.org"' in out
    assert out.endswith("</a>.")


def test_linkifier_urls_end_at_quotes_and_brackets():
    out = linkify_line('see (https://example.org/a_(b)) and "https://x.example/?q=<b>"')
    assert 'href="https://example.org/a_(b)"' in out
    assert 'href="https://x.example/?q="' in out and "&lt;b&gt;" in out


def test_quoted_text_is_collapsible_and_flowed_text_is_joined():
    lines = text_lines(
        "Hello \nworld.\n> quoted \n> more\n>> deeper\n" + "> long\n" * 5 + "-- \nsig\n",
        flowed=True,
    )
    assert lines[0] == (0, "Hello world.")
    assert lines[1] == (1, "quoted more")
    assert (2, "deeper") in lines and lines[-2:] == [(0, "-- "), (0, "sig")]
    out = str(text_to_html(lines))
    assert out.count("<details") == 1 and "quoted more\n<blockquote>deeper" in out
    assert '<details class="quoted">' in out  # long quotes start collapsed
    short = str(text_to_html(text_lines("> one\nreply\n")))
    assert '<details class="quoted" open>' in short


def test_flowed_delsp_and_space_stuffing():
    assert text_lines("abc \ndef\n", flowed=True, delsp=True) == [(0, "abcdef")]
    assert text_lines(" >not a quote\n", flowed=True) == [(0, ">not a quote")]
    assert text_lines("line \n", flowed=False) == [(0, "line ")]
