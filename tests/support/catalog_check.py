"""Finding English catalogue messages in a rendered page (issue 18).

A page in German or French must show no message of the catalogue in English: every msgid whose
translation differs from it (so "HTML", "Status" or "Webmail", the same in both languages, are not
looked for) is turned into a pattern (placeholders match anything, markup is dropped) and looked
for in the page's visible text: the text nodes and the attributes people read or hear (title,
aria-label, placeholder, alt, the value of a submit input), outside scripts and styles, and
options other than those shown as their own value (time zone names). A short
message must be a whole text node or attribute to count; one of three words or more is also found
inside longer text. The mail shown by the tests is made of words that are no catalogue message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{[^{}]*\}")


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    msgstrs: tuple[str, ...]
    fuzzy: bool


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header left out)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = _unquote(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += _unquote(line[1:-1])
        if fields.get("msgid"):
            strs = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
            entries.append(
                Entry(
                    fields.get("msgctxt"),
                    fields["msgid"],
                    fields.get("msgid_plural"),
                    strs,
                    fuzzy,
                )
            )
    return entries


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(text.split())


@dataclass(frozen=True)
class Probe:
    msgid: str
    pattern: re.Pattern[str]
    long: bool


def probes(language: str) -> list[Probe]:
    """What to look for: each English message whose translation differs from it."""
    found = []
    for entry in read_po(LOCALE / language / "LC_MESSAGES" / "django.po"):
        english = [entry.msgid] + ([entry.plural] if entry.plural else [])
        for text in english:
            if text in entry.msgstrs:
                continue
            plain = _plain(text)
            literal = PLACEHOLDER.sub("", plain)
            if not re.search(r"[A-Za-z]{2}", literal):
                continue  # nothing English left to see ("%(first)s–%(last)s")
            parts = [re.escape(part) for part in PLACEHOLDER.split(plain)]
            pattern = re.compile(r".+?".join(parts))
            found.append(Probe(text, pattern, len(literal.split()) >= 3))
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._skip += 1
        values = dict(attrs)
        self._option_value = values.get("value") if tag == "option" else None
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in {"submit", "button"}
            )
            if readable and value:
                self.chunks.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        # An option shown as its own value is data (the time zone "GB"), not a message.
        if not self._skip and text and text != self._option_value:
            self.chunks.append(text)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def english_left(html: str, language: str) -> list[str]:
    """The English catalogue messages the page shows (empty: none)."""
    chunks = visible_text(html)
    whole = " ".join(chunks)
    left = []
    for probe in probes(language):
        if any(probe.pattern.fullmatch(chunk) for chunk in chunks) or (
            probe.long and probe.pattern.search(whole)
        ):
            left.append(probe.msgid)
    return left
