"""Fast generation of realistic messages for seeding Maildirs (no EmailMessage per message).

A handful of templates (plain text, text + HTML alternative, mixed with a base64 attachment,
replies with In-Reply-To/References) are filled in by string formatting. Senders, recipients,
subjects (some RFC 2047 encoded, some with "Re:"/"Fwd:"), Date headers (various time zones,
a few missing), body lengths and attachment sizes vary; the same seed gives the same corpus.

Messages come out in arrival order (INTERNALDATE ascending, which becomes UID order); the Date
header is close to the arrival time but not in the same order, so SORT (DATE) has work to do.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header

__all__ = ["generate"]

_FIRST = (
    "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert "
    "Sybil Trent Victor Walter Yasmin Zoe Jean Marie Pierre Lukas Anna Jonas Sofia Mateo Lucía "
    "Hiroshi Yuki Wei Mei Arjun Priya Olek Zofia Björn Åsa Jürgen Renée François Chloé Noah Emma"
).split()
_LAST = (
    "Smith Jones Müller Schmidt Dupont Martin García López Rossi Bianchi Nowak Kowalski Tanaka "
    "Suzuki Wang Li Kumar Patel Svensson Nielsen O'Brien Murphy Novák Horváth Jensen Silva "
    "Costa Peeters Janssen Ivanova Petrov Andersson Fischer Weber Becker Moreau Laurent"
).split()
_DOMAINS = (
    "example.org example.com example.net mail.example.org lists.example.com corp.example "
    "university.example shop.example bank.example newsletter.example dev.example gov.example"
).split()
_NOREPLY = (
    ("GitHub", "notifications@github.example"),
    ("Shop Orders", "orders@shop.example"),
    ("Your Bank", "no-reply@bank.example"),
    ("Weekly Digest", "digest@newsletter.example"),
    ("CI Server", "ci@dev.example"),
    ("Calendar", "calendar@corp.example"),
)
_WORDS = (
    "meeting report budget project review draft invoice quarterly update schedule release "
    "deadline proposal contract travel lunch agenda minutes feedback design roadmap bug fix "
    "server outage migration backup conference workshop slides photos weekend holiday plan "
    "question request approval reminder order shipping delivery account password security "
    "newsletter summary results analysis data figures team offsite hiring interview candidate"
).split()
_UNICODE_SUBJECTS = (
    "Réunion de lundi – ordre du jour",
    "Grüße aus München und Fotos",
    "Überweisung bestätigt",
    "Presupuesto año próximo",
    "会議の議事録",
    "Отчёт за квартал",
    "Ζητήματα προς συζήτηση",
    "Fwd: Ünïcödé tëst ✓",
    "Café ☕ tomorrow?",
    "Zażółć gęślą jaźń",
)
_LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco "
    "laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate "
    "velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt "
    "culpa qui officia deserunt mollit anim id est laborum"
).split()
_ZONES = tuple(
    timezone(timedelta(minutes=m)) for m in (0, 0, 0, 60, 60, 120, -300, -240, -420, 330, 540, 600)
)
_ATTACHMENTS = (
    ("application/pdf", "report.pdf"),
    ("image/png", "screenshot.png"),
    ("image/jpeg", "IMG_2041.jpg"),
    ("application/zip", "archive.zip"),
    ("text/csv", "figures.csv"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "draft.docx"),
)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _encoded(text: str) -> str:
    return Header(text, "utf-8").encode() if not text.isascii() else text


class _Pools:
    """Pre-built pieces (addresses, subjects, paragraphs, base64 blobs) drawn from per message."""

    def __init__(self, rng: random.Random) -> None:
        people = []
        for _ in range(400):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            local = f"{first}.{last}".lower().encode("ascii", "ignore").decode().replace("'", "")
            name = f"{first} {last}"
            display = _encoded(name) if not name.isascii() else f'"{name}"' if "'" in name else name
            people.append(f"{display} <{local or 'user'}@{rng.choice(_DOMAINS)}>")
        people.extend(f"{name} <{addr}>" for name, addr in _NOREPLY)
        people.extend(f"<plain{i}@example.net>" for i in range(20))  # no display name
        self.people = people
        subjects = []
        for _ in range(3000):
            words = rng.sample(_WORDS, rng.randint(2, 7))
            subjects.append(" ".join(words).capitalize())
        subjects.extend(_encoded(s) for s in _UNICODE_SUBJECTS for _ in range(30))
        self.subjects = subjects
        self.paragraphs = [
            "\n".join(
                " ".join(rng.choice(_LOREM) for _ in range(12)) for _ in range(rng.randint(2, 6))
            )
            for _ in range(300)
        ]
        blob = base64.encodebytes(rng.randbytes(192 * 1024)).decode("ascii")
        self.b64_lines = blob.splitlines(keepends=True)  # 76 characters a line


def _rfc2822(when: datetime) -> str:
    return (
        f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year} "
        f"{when:%H:%M:%S} {when:%z}"
    )


def generate(
    count: int,
    *,
    seed: int = 1,
    end: datetime | None = None,
    span_days: int = 6 * 365,
    tag: str = "m",
) -> Iterator[tuple[bytes, datetime, str]]:
    """``count`` messages as ``(bytes, INTERNALDATE, maildir flags)`` in arrival order."""
    rng = random.Random(seed)
    pools = _Pools(rng)
    people, subjects, paragraphs, b64 = (
        pools.people,
        pools.subjects,
        pools.paragraphs,
        pools.b64_lines,
    )
    me = "Bench User <bench@example.org>"
    end = end or datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=span_days)
    step = (end - start).total_seconds() / max(count, 1)
    t0 = start.timestamp()
    recent_ids: list[str] = []

    for i in range(count):
        arrival = datetime.fromtimestamp(t0 + i * step + rng.uniform(0, step), UTC)
        # The sender's clock: usually a few seconds to minutes before arrival, sometimes off.
        skew = rng.choice((5, 30, 120, 600, 3600, -300)) * rng.random()
        sent = (arrival - timedelta(seconds=skew)).astimezone(rng.choice(_ZONES))
        sender = rng.choice(people)
        to = me if rng.random() < 0.7 else f"{me}, {rng.choice(people)}"
        subject = rng.choice(subjects)
        msgid = f"<{tag}{seed}.{i}.{rng.getrandbits(32):08x}@{rng.choice(_DOMAINS)}>"
        headers = [
            f"Return-Path: <{sender.rpartition('<')[2].rstrip('>')}>",
            f"Received: from mx{rng.randint(1, 9)}.example.net (mx.example.net [192.0.2.{i % 250}])"
            f"\n\tby mail.example.org with ESMTPS id {rng.getrandbits(40):010x}"
            f"\n\tfor <bench@example.org>; {_rfc2822(arrival)}",
            f"From: {sender}",
            f"To: {to}",
        ]
        if rng.random() < 0.15:
            headers.append(f"Cc: {rng.choice(people)}, {rng.choice(people)}")
        r = rng.random()
        if r < 0.25 and recent_ids:
            parent = rng.choice(recent_ids)
            subject = "Re: " + subject
            headers.append(f"In-Reply-To: {parent}")
            headers.append(f"References: {parent}")
        elif r < 0.3:
            subject = "Fwd: " + subject
        headers.append(f"Subject: {subject}")
        if rng.random() > 0.005:  # a few messages without a Date header
            headers.append(f"Date: {_rfc2822(sent)}")
        headers.append(f"Message-ID: {msgid}")
        if rng.random() < 0.3:
            headers.append(f"X-Mailer: Mailer {rng.randint(1, 20)}.{rng.randint(0, 9)}")
        headers.append("MIME-Version: 1.0")
        recent_ids.append(msgid)
        if len(recent_ids) > 50:
            recent_ids.pop(0)

        text = "\n\n".join(rng.choice(paragraphs) for _ in range(rng.randint(1, 8)))
        kind = rng.random()
        if kind < 0.55:
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: 7bit")
            body = text + "\n"
        elif kind < 0.85:
            boundary = f"=_alt_{i:x}"
            html = (
                "<html><body>"
                + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
                + "</body></html>"
            )
            headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
            body = (
                f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n"
                f"Content-Transfer-Encoding: 7bit\n\n{text}\n"
                f"--{boundary}\nContent-Type: text/html; charset=utf-8\n"
                f"Content-Transfer-Encoding: 7bit\n\n{html}\n--{boundary}--\n"
            )
        else:
            boundary = f"=_mix_{i:x}"
            mime, filename = rng.choice(_ATTACHMENTS)
            # Attachments of 1 KB to 190 KB, 12 KB on average (most small).
            lines = int(min(len(b64), 13 + rng.expovariate(1 / 150)))
            offset = rng.randrange(0, len(b64) - lines + 1)
            headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
            body = (
                f"This is a multi-part message in MIME format.\n\n"
                f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n"
                f"Content-Transfer-Encoding: 7bit\n\n{text}\n"
                f'--{boundary}\nContent-Type: {mime}; name="{filename}"\n'
                f'Content-Disposition: attachment; filename="{filename}"\n'
                f"Content-Transfer-Encoding: base64\n\n"
                + "".join(b64[offset : offset + lines])
                + f"--{boundary}--\n"
            )
        data = ("\n".join(headers) + "\n\n" + body).encode("utf-8")

        f = rng.random()
        flags = "S" if f < 0.8 else ""
        if f < 0.1:
            flags = "RS"
        if rng.random() < 0.03:
            flags += "F"
        yield data, arrival, flags
