"""Demo mailbox content, and a private Dovecot serving it for development.

``python -m webmail.devmail.demo --root DIR --user demo --password demo`` starts a Dovecot rooted
at DIR (seeding the demo mailbox on the first run only), writes ``DIR/ports.json`` and prints
the same information as one JSON line on stdout, then runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import signal
import struct
import sys
import threading
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import escape
from pathlib import Path
from typing import Any

from webmail.devmail.acl import acl_config, seed_public_folders
from webmail.devmail.dovecot import Dovecot, connect, ensure_folder
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.fts import XAPIAN_FTS, xapian_installed
from webmail.devmail.sieve import sieve_dovecot, wait_for_managesieve

__all__ = ["DEMO_ADDRESS", "demo_messages", "main", "seed_demo"]

DEMO_ADDRESS = "Demo User <demo@example.org>"
DEMO_FOLDERS = ("Projects", "Projects/2026", "Reçus")

#: Maildir flag letters -> IMAP system flags.
IMAP_FLAGS = {"S": "\\Seen", "F": "\\Flagged", "R": "\\Answered", "D": "\\Draft", "T": "\\Deleted"}

Folders = dict[str, list[tuple[EmailMessage, str]]]

# -- people -------------------------------------------------------------------------------------

ALICE = "Alice Johnson <alice.johnson@example.com>"
BOB = "Bob Smith <bob.smith@example.com>"
JUERGEN = "Jürgen Müller <juergen.mueller@example.de>"
FRANCOISE = "Françoise Lefèvre <francoise.lefevre@example.fr>"
CHLOE = "Chloé Martin <chloe.martin@example.fr>"
TARO = "山田 太郎 <taro.yamada@example.jp>"
HANAKO = "佐藤 花子 <hanako.sato@example.jp>"
DMITRY = "Дмитрий Иванов <dmitry.ivanov@example.ru>"
OLGA = "Ольга Смирнова <olga.smirnova@example.ru>"
PRIYA = "Priya Patel <priya.patel@example.com>"
MARIA = "María García <maria.garcia@example.es>"
SOREN = "Søren Nielsen <soren.nielsen@example.dk>"
GIT = "Forge Notifications <notifications@git.example.com>"
DIGEST = "Weekly Digest <digest@news.example.com>"
JOURNAL = "Le Petit Journal du Code <lettre@journal.example.fr>"
TECHNEWS = "Tech-Newsletter <newsletter@technik.example.de>"
NOVOSTI = "Новости проекта <news@project.example.ru>"
SHOP = "Example Shop <orders@shop.example.com>"
BAHN = "Bahn Reisen <buchung@bahn.example.de>"
BANK = "Banque Exemple <releves@banque.example.fr>"
CALENDAR = "Calendar <calendar@example.org>"

COLLEAGUES = [ALICE, BOB, JUERGEN, FRANCOISE, CHLOE, TARO, HANAKO, DMITRY, OLGA, PRIYA, MARIA]

# -- generated attachments ------------------------------------------------------------------------


def make_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A small, valid one-page PDF showing ``title`` and ``lines`` (Latin-1 text)."""

    def pdf_text(value: str) -> str:
        value = value.encode("latin-1", "replace").decode("latin-1")
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream_lines = ["BT", "/F1 20 Tf", "72 740 Td", f"({pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        stream_lines += ["0 -18 Td", f"({pdf_text(line)}) Tj"]
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_png(width: int = 48, height: int = 32, seed: int = 0) -> bytes:
    """A valid RGB PNG with a colour gradient depending on ``seed``."""
    rng = random.Random(seed)
    r0, g0, b0 = rng.randrange(256), rng.randrange(256), rng.randrange(256)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((r0 + 4 * x) % 256, (g0 + 6 * y) % 256, (b0 + 2 * (x + y)) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def make_csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def make_ics(summary: str, start: datetime, minutes: int, uid: str) -> bytes:
    fmt = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//webmail devmail//demo//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{start.astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{start.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{end.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{summary}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


# -- the builder ----------------------------------------------------------------------------------


class _Builder:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(20260101)
        self.folders: Folders = {}
        self.serial = 0

    def msgid(self, sender: str) -> str:
        self.serial += 1
        domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "example.org"
        return f"<demo.{self.serial:04d}.{self.rng.randrange(16**8):08x}@{domain}>"

    def ago(self, max_days: float, min_days: float = 0.0) -> datetime:
        seconds = self.rng.uniform(min_days * 86400, max_days * 86400)
        return (self.now - timedelta(seconds=seconds)).replace(microsecond=0)

    def add(self, folder: str, msg: EmailMessage, flags: str = "S") -> EmailMessage:
        for index, part in enumerate(msg.walk()):
            if part.is_multipart():
                part.set_boundary(f"=_demo_{self.serial:04d}_{index}")
        self.folders.setdefault(folder, []).append((msg, "".join(sorted(set(flags)))))
        return msg

    def inbox_flags(self, when: datetime, *, answered: bool = False) -> str:
        age_days = (self.now - when).total_seconds() / 86400
        unread_chance = 0.6 if age_days < 3 else 0.25 if age_days < 21 else 0.04
        flags = "" if self.rng.random() < unread_chance else "S"
        if self.rng.random() < 0.08:
            flags += "F"
        if answered:
            flags += "RS"
        return flags

    def message(self, **kwargs: Any) -> EmailMessage:
        kwargs.setdefault("to", DEMO_ADDRESS)
        kwargs.setdefault("message_id", self.msgid(kwargs["sender"]))
        return make_message(**kwargs)

    # -- conversations ----------------------------------------------------------------------

    def thread(
        self,
        subject: str,
        participants: Sequence[str],
        bodies: Sequence[str],
        *,
        start_days_ago: float,
        cc: str | None = None,
        attachments: dict[int, Sequence[tuple[str, str, bytes]]] | None = None,
        folder: str = "INBOX",
        reply_prefix: str = "Re: ",
    ) -> None:
        """A conversation: message i is sent by participants[i % len]; DEMO_ADDRESS -> Sent."""
        attachments = attachments or {}
        when = (self.now - timedelta(days=start_days_ago)).replace(microsecond=0)
        step = timedelta(days=start_days_ago) / (len(bodies) + 1)
        references: list[str] = []
        previous_sender: str | None = None
        items: list[list[Any]] = []  # [message, flags, folder]
        for i, body in enumerate(bodies):
            sender = participants[i % len(participants)]
            if previous_sender is not None and previous_sender != sender:
                to = previous_sender
            elif sender != DEMO_ADDRESS:
                to = DEMO_ADDRESS
            else:
                to = next(p for p in participants if p != DEMO_ADDRESS)
            ccs = [c for c in ([cc] if cc else []) if c not in (sender, to)]
            if DEMO_ADDRESS not in (sender, to, *ccs):
                ccs.append(DEMO_ADDRESS)
            when += step * self.rng.uniform(0.3, 1.0)
            msg = self.message(
                subject=subject if i == 0 else reply_prefix + subject,
                sender=sender,
                to=to,
                cc=ccs or None,
                date=when,
                text=body,
                attachments=attachments.get(i, ()),
                in_reply_to=references[-1] if references else None,
                references=list(references),
            )
            references.append(str(msg["Message-ID"]))
            if sender == DEMO_ADDRESS:
                if items and items[-1][2] != "Sent":
                    items[-1][1] += "RS"  # the demo user answered the previous message
                items.append([msg, "S", "Sent"])
            else:
                items.append([msg, self.inbox_flags(when), folder])
            previous_sender = sender
        for msg, flags, target in items:
            self.add(target, msg, flags)


def _newsletter_html(title: str, intro: str, items: Sequence[tuple[str, str]], lang: str) -> str:
    rows = "\n".join(
        f'<tr><td style="padding:8px 0;border-bottom:1px solid #ddd">'
        f'<a href="https://news.example.com/{i}" style="color:#0b5cad;font-weight:bold">'
        f'{escape(head)}</a><br><span style="color:#444">{escape(text)}</span></td></tr>'
        for i, (head, text) in enumerate(items, start=1)
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body style="margin:0;background:#f4f4f4;font-family:Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="600" style="background:#fff;padding:24px">
<tr><td><h1 style="font-size:22px;color:#222">{escape(title)}</h1>
<p style="color:#333">{escape(intro)}</p></td></tr>
{rows}
<tr><td style="padding-top:16px;font-size:11px;color:#888">
<img src="https://news.example.com/pixel.gif?u=demo" width="1" height="1" alt="">
<a href="https://news.example.com/unsubscribe">Unsubscribe</a></td></tr>
</table></td></tr></table></body></html>
"""


def _html_to_text(items: Sequence[tuple[str, str]], intro: str) -> str:
    lines = [intro, ""]
    for i, (head, text) in enumerate(items, start=1):
        lines += [f"* {head}", f"  {text}", f"  https://news.example.com/{i}", ""]
    return "\n".join(lines)


_NEWSLETTERS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    (
        DIGEST,
        "Weekly Digest #{n}",
        "en",
        "Here is what happened in the community this week.",
        [
            ("Release 4.{n} is out", "Faster startup, a new plugin API and many fixes."),
            ("Meetup recap", "Slides and recordings from the last meetup are online."),
            ("Call for speakers", "Submit your talk proposal before the end of the month."),
        ],
    ),
    (
        JOURNAL,
        "Le Petit Journal du Code – n°{n}",
        "fr",
        "Bonjour ! Voici la sélection de la semaine, préparée avec soin.",
        [
            (
                "Écrire des tests lisibles",
                "Nos conseils pour des tests qui racontent une histoire.",
            ),
            ("Les nouveautés de l'été", "Ce qui change dans nos outils préférés."),
            ("Entretien", "Rencontre avec une développeuse à Montréal."),
        ],
    ),
    (
        TECHNEWS,
        "Tech-Newsletter KW {n}: Neuigkeiten für Entwickler",
        "de",
        "Hallo! Die wichtigsten Themen dieser Woche im Überblick.",
        [
            ("Größere Änderungen im Datenschutz", "Was Entwicklerinnen jetzt wissen müssen."),
            ("Schneller bauen", "Wie Caches die Übersetzungszeit halbieren."),
            ("Veranstaltungen", "Konferenzen in München, Köln und Zürich."),
        ],
    ),
    (
        NOVOSTI,
        "Новости проекта — выпуск {n}",
        "ru",
        "Здравствуйте! Краткий обзор изменений за неделю.",
        [
            ("Выпущена версия 2.{n}", "Улучшена производительность и исправлены ошибки."),
            ("Документация", "Обновлено руководство по установке."),
            ("Сообщество", "Приглашаем на встречу разработчиков в Москве."),
        ],
    ),
]

_NOTES = [
    (PRIYA, "Lunch on Friday? 🍕", "Hi!\n\nShall we try the new pizza place on Friday at 12:30?\n"),
    (MARIA, "¿Café mañana?", "¡Hola!\n\n¿Tienes tiempo para un café mañana por la mañana?\n"),
    (SOREN, "Sommerhus booking", "Hej,\n\nthe summer house is booked for week 31. Bring boots.\n"),
    (
        HANAKO,
        "資料の確認をお願いします",
        "お疲れ様です。\n\n添付の資料をご確認いただけますでしょうか。\nよろしくお願いいたします。\n",
    ),
    (
        OLGA,
        "Встреча в четверг",
        "Добрый день!\n\nПредлагаю перенести встречу на четверг, 15:00.\nС уважением,\nОльга\n",
    ),
    (
        JUERGEN,
        "Grüße aus München",
        "Hallo,\n\nviele Grüße aus dem sonnigen München! Nächste Woche bin ich wieder im Büro.\n\n"
        "Schöne Grüße\nJürgen\n",
    ),
    (
        CHLOE,
        "Petite question sur le déploiement",
        "Salut,\n\nest-ce que le déploiement de jeudi est toujours d'actualité ?\n\n"
        "Merci !\nChloé\n",
    ),
    (BOB, "Quick question", "Hey,\n\ndo you have the link to the staging dashboard?\n\nBob\n"),
    (ALICE, "Re: Coffee machine", "It is fixed. Apparently it just needed descaling.\n"),
]

_PR_TITLES = [
    "Fix off-by-one in pagination",
    "Add Japanese translation",
    "Bump cryptography from 43 to 44",
    "Refactor IMAP connection pool",
    "Support RFC 2047 encoded filenames",
    "Speed up folder list rendering",
    "Handle servers without SORT",
    "Improve dark mode contrast",
]


def _long_text(rng: random.Random, paragraphs: int) -> str:
    words = (
        "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
        "exercitation ullamco laboris nisi aliquip ex ea commodo consequat"
    ).split()
    out = []
    for _ in range(paragraphs):
        sentence_count = rng.randint(3, 7)
        sentences = []
        for _ in range(sentence_count):
            chosen = [rng.choice(words) for _ in range(rng.randint(6, 16))]
            sentences.append(" ".join(chosen).capitalize() + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def demo_messages(now: datetime) -> dict[str, list[tuple[EmailMessage, str]]]:
    """Deterministic demo content: folder -> [(message, maildir flags such as "S", "FS")].

    The same ``now`` always gives the same messages (byte for byte). Dates lie in the six
    months before ``now`` (a naive ``now`` is taken as UTC). Folders: INBOX (about 200),
    Sent, Archive, Projects, Projects/2026, Reçus, Drafts, Junk and Trash.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    b = _Builder(now)
    rng = b.rng

    # Conversations (messages from the demo user land in Sent, the others in INBOX).
    b.thread(
        "Quarterly planning – Q3 roadmap",
        [ALICE, DEMO_ADDRESS, BOB, DEMO_ADDRESS, ALICE],
        [
            "Hi all,\n\nI drafted the Q3 roadmap. Can you both review it by Thursday?\n\nAlice\n",
            "Thanks Alice, looks good. I'd move the search work before the export feature.\n",
            "Agreed with moving search up. Export can wait until August.\n",
            "Great, then let's lock it in during Thursday's meeting.\n",
            "Done. I updated the document. See you Thursday!\n",
        ],
        start_days_ago=9,
        cc=BOB,
        attachments={0: [("roadmap-q3.pdf", "application/pdf", make_pdf("Roadmap Q3"))]},
    )
    b.thread(
        "Angebot für das Redesign der Website",
        [JUERGEN, DEMO_ADDRESS],
        [
            "Guten Tag,\n\nanbei unser Angebot für das Redesign. Die Preise gelten bis Monatsende."
            "\n\nMit freundlichen Grüßen\nJürgen Müller\n",
            "Hallo Herr Müller,\n\nvielen Dank! Können Sie die Position „Barrierefreiheit“ "
            "genauer aufschlüsseln?\n\nViele Grüße\n",
            "Selbstverständlich – die Aufschlüsselung finden Sie im überarbeiteten Angebot.\n",
            "Perfekt, danke. Wir melden uns bis Freitag.\n",
        ],
        start_days_ago=21,
        attachments={
            0: [
                (
                    "Angebot-2026-042.pdf",
                    "application/pdf",
                    make_pdf("Angebot 2026-042", ["Redesign: 12.400 EUR", "Gueltig bis 30.06."]),
                )
            ],
            2: [
                (
                    "Angebot-2026-042-v2.pdf",
                    "application/pdf",
                    make_pdf("Angebot 2026-042 (v2)", ["Barrierefreiheit: 2.100 EUR"]),
                )
            ],
        },
    )
    b.thread(
        "Réunion d'équipe : ordre du jour",
        [FRANCOISE, CHLOE, DEMO_ADDRESS, FRANCOISE],
        [
            "Bonjour à tous,\n\nvoici l'ordre du jour de la réunion de lundi :\n"
            "1. Bilan du trimestre\n2. Congés d'été\n3. Questions diverses\n\nFrançoise\n",
            "Merci Françoise ! Peut-on ajouter un point sur le recrutement ?\n",
            "Bonne idée. Je préparerai un résumé des candidatures.\n",
            "C'est noté, à lundi !\n",
        ],
        start_days_ago=5,
        cc=CHLOE,
    )
    b.thread(
        "来週の打ち合わせについて",
        [TARO, DEMO_ADDRESS],
        [
            "お世話になっております。山田です。\n\n来週の打ち合わせですが、火曜日の14時はいかがでしょうか。\n",
            "山田様\n\nご連絡ありがとうございます。火曜日14時で問題ありません。\n",
            "承知いたしました。会議室を予約しておきます。\n",
        ],
        start_days_ago=4,
    )
    b.thread(
        "Отчёт о тестировании релиза 2.4",
        [DMITRY, DEMO_ADDRESS, OLGA, DMITRY],
        [
            "Коллеги, добрый день!\n\nВо вложении результаты тестирования релиза 2.4.\n",
            "Спасибо, Дмитрий! Какие ошибки блокируют выпуск?\n",
            "Блокирующих ошибок нет, две некритичные перенесены в 2.5.\n",
            "Подтверждаю. Можно выпускать.\n",
        ],
        start_days_ago=12,
        attachments={
            0: [
                (
                    "результаты-тестов.csv",
                    "text/csv",
                    make_csv(
                        [
                            ["тест", "статус", "время, с"],
                            *[
                                [f"test_{i:03d}", "ok" if i % 9 else "fail", round(0.1 * i, 1)]
                                for i in range(1, 40)
                            ],
                        ]
                    ),
                )
            ]
        },
    )
    b.thread(
        "Server migration weekend",
        [BOB, DEMO_ADDRESS, ALICE, PRIYA, DEMO_ADDRESS, BOB],
        [
            "Team,\n\nthe data centre migration is planned for Saturday 06:00 UTC.\n",
            "Thanks Bob. Do we need a maintenance banner on Friday?\n",
            "Yes, I'll add the banner. Text: 'Planned maintenance on Saturday morning'.\n",
            "I can be on call from 06:00 to 10:00.\n",
            "Great, I'll cover 10:00 to 14:00.\n",
            "Migration finished at 08:42, everything is green. Thanks everyone!\n",
        ],
        start_days_ago=30,
    )
    b.thread(
        "Lunch plans 🍜",
        [PRIYA, DEMO_ADDRESS, PRIYA],
        [
            "Ramen today?\n",
            "Sure! 12:15 at the entrance?\n",
            "See you there 👍\n",
        ],
        start_days_ago=1,
    )

    # Newsletters (HTML with a text alternative, some HTML only).
    for n in range(40):
        sender, subject, lang, intro, items = _NEWSLETTERS[n % len(_NEWSLETTERS)]
        number = 20 + n // len(_NEWSLETTERS)
        items = [(head.format(n=number), text) for head, text in items]
        when = b.ago(170)
        html = _newsletter_html(subject.format(n=number), intro, items, lang)
        text = None if n % 5 == 0 else _html_to_text(items, intro)
        msg = b.message(
            subject=subject.format(n=number),
            sender=sender,
            date=when,
            text=text,
            html=html,
            headers={"List-Unsubscribe": "<https://news.example.com/unsubscribe>"},
        )
        folder = "INBOX" if n % 4 else "Archive"
        b.add(folder, msg, b.inbox_flags(when) if folder == "INBOX" else "S")

    # Forge notifications.
    for n in range(55):
        number = 300 + n
        title = _PR_TITLES[n % len(_PR_TITLES)]
        when = b.ago(120)
        author = rng.choice(COLLEAGUES)
        name = author.split("<")[0].strip()
        msg = b.message(
            subject=f"[webmail] {title} (PR #{number})",
            sender=GIT,
            date=when,
            text=(
                f"{name} opened a pull request:\n\n  {title}\n\n"
                f"https://git.example.com/webmail/pulls/{number}\n\n-- \n"
                "You are receiving this because you are subscribed to this repository.\n"
            ),
            headers={"List-Id": "webmail <webmail.git.example.com>"},
        )
        b.add("INBOX", msg, b.inbox_flags(when))

    # Short personal notes in several languages.
    for n in range(60):
        sender, subject, text = _NOTES[n % len(_NOTES)]
        when = b.ago(150)
        msg = b.message(subject=subject, sender=sender, date=when, text=text)
        b.add("INBOX", msg, b.inbox_flags(when))

    # Reports with CSV attachments.
    for n in range(14):
        when = b.ago(175)
        month = when.strftime("%B %Y")
        rows = [["date", "orders", "revenue (EUR)"]] + [
            [f"{when:%Y-%m}-{day:02d}", rng.randint(20, 90), f"{rng.uniform(900, 5000):.2f}"]
            for day in range(1, 29)
        ]
        msg = b.message(
            subject=f"Monthly sales report – {month}",
            sender=ALICE,
            date=when,
            text=f"Hi,\n\nplease find the sales report for {month} attached.\n\nAlice\n",
            attachments=[(f"sales-{when:%Y-%m}.csv", "text/csv", make_csv(rows))],
        )
        b.add("INBOX" if n % 3 else "Archive", msg, b.inbox_flags(when))

    # Photos (PNG attachments, one with an inline image).
    for n in range(10):
        when = b.ago(160)
        sender = rng.choice([JUERGEN, MARIA, SOREN, CHLOE])
        images = [
            (f"photo-{n + 1}-{i + 1}.png", "image/png", make_png(64, 48, seed=n * 10 + i))
            for i in range(1 + n % 3)
        ]
        msg = b.message(
            subject=["Fotos vom Wochenende", "Fotos del viaje", "Billeder fra turen"][n % 3],
            sender=sender,
            date=when,
            text="🙂\n",
            attachments=images,
        )
        b.add("INBOX", msg, b.inbox_flags(when))
    when = b.ago(6)
    msg = b.message(
        subject="Our new logo (inline image)",
        sender=CHLOE,
        date=when,
        text="Here is the new logo. What do you think?\n",
        html='<p>Here is the new logo:</p><p><img src="cid:logo.demo@example.fr" alt="Logo"></p>'
        "<p>What do you think?</p>",
    )
    html_part = msg.get_body(("html",))
    assert html_part is not None
    html_part.add_related(make_png(96, 32, seed=4242), "image", "png", cid="<logo.demo@example.fr>")
    b.add("INBOX", msg, "")

    # Calendar invitations.
    for n in range(8):
        when = b.ago(90)
        start = (when + timedelta(days=3)).replace(minute=0, second=0)
        summary = ["Sprint review", "1:1", "Design critique", "Retrospective"][n % 4]
        msg = b.message(
            subject=f"Invitation: {summary} @ {start:%a %d %b %Y %H:%M} (UTC)",
            sender=CALENDAR,
            date=when,
            text=f"You have been invited to {summary}.\n",
            attachments=[
                ("invite.ics", "text/calendar", make_ics(summary, start, 30, f"demo-{n}@example"))
            ],
        )
        b.add("INBOX", msg, b.inbox_flags(when))

    # Odds and ends: long text, empty subject, HTML-only, long subject, plain ASCII quotes.
    when = b.ago(40)
    b.add(
        "INBOX",
        b.message(
            subject="Design document: offline mode (long read)",
            sender=BOB,
            date=when,
            text=_long_text(rng, 40),
        ),
        "S",
    )
    when = b.ago(15)
    b.add("INBOX", b.message(subject="", sender=SOREN, date=when, text="(no subject)\n"), "")
    when = b.ago(2)
    b.add(
        "INBOX",
        b.message(
            subject="Your order #A-1029 has shipped 📦",
            sender=SHOP,
            date=when,
            text=None,
            html="<h2>Good news!</h2><p>Your order <b>#A-1029</b> is on its way.</p>"
            '<p><a href="https://shop.example.com/track/A-1029">Track your parcel</a></p>',
        ),
        "",
    )
    when = b.ago(25)
    b.add(
        "INBOX",
        b.message(
            subject="A really rather long subject line that keeps going and going, to test how "
            "the message list truncates it without breaking the layout of the page",
            sender=PRIYA,
            date=when,
            text="Just testing long subjects.\n",
        ),
        "S",
    )

    # Receipts (non-ASCII folder name) with PDF attachments.
    for n in range(16):
        when = b.ago(175)
        sender, title = [
            (BAHN, "Ihre Fahrkarte für die Reise nach Köln"),
            (BANK, "Votre relevé de compte – {m}"),
            (SHOP, "Receipt for your order #{o}"),
        ][n % 3]
        title = title.format(m=when.strftime("%m/%Y"), o=1000 + n)
        pdf = make_pdf(title, [f"Total: {rng.uniform(10, 300):.2f} EUR", f"Ref. {n:05d}"])
        msg = b.message(
            subject=title,
            sender=sender,
            date=when,
            text="Please find your document attached.\n",
            attachments=[(f"document-{n + 1:02d}.pdf", "application/pdf", pdf)],
        )
        b.add("Reçus", msg, "S" if n % 5 else "")

    # Projects and Projects/2026.
    for n in range(20):
        when = b.ago(180, 30)
        sender = rng.choice(COLLEAGUES)
        msg = b.message(
            subject=f"Project Atlas: milestone {n + 1} notes",
            sender=sender,
            date=when,
            text=f"Notes for milestone {n + 1}.\n\n" + _long_text(rng, 2),
        )
        b.add("Projects", msg, "S" if n % 6 else "FS")
    for n in range(15):
        when = b.ago(60)
        sender = rng.choice(COLLEAGUES)
        msg = b.message(
            subject=f"2026 planning – workstream {chr(ord('A') + n % 5)}: update {n // 5 + 1}",
            sender=sender,
            date=when,
            text="Status: on track.\n\n" + _long_text(rng, 1),
        )
        b.add("Projects/2026", msg, "S" if n % 4 else "")

    # More archive, Sent extras, drafts, junk and trash.
    for n in range(40):
        when = b.ago(180, 60)
        sender, subject, text = _NOTES[(n * 7) % len(_NOTES)]
        b.add("Archive", b.message(subject=subject, sender=sender, date=when, text=text), "S")
    for n in range(12):
        when = b.ago(120)
        recipient = rng.choice(COLLEAGUES)
        msg = b.message(
            subject=["Slides from today", "Invoice question", "Vacation dates"][n % 3],
            sender=DEMO_ADDRESS,
            to=recipient,
            date=when,
            text="Hi,\n\nsee above.\n\nDemo\n",
        )
        b.add("Sent", msg, "S")
    for subject in ("Draft: thoughts on the roadmap", "Brouillon : réponse à Chloé"):
        when = b.ago(3)
        msg = b.message(
            subject=subject, sender=DEMO_ADDRESS, to=ALICE, date=when, text="Unfinished…\n"
        )
        b.add("Drafts", msg, "DS")
    for n in range(4):
        when = b.ago(30)
        msg = b.message(
            subject=["You have WON!!!", "Urgent: verify your account", "Cheap watches"][n % 3],
            sender="Prize Office <winner@spam.example.net>",
            date=when,
            text="Click here to claim your prize.\n",
        )
        b.add("Junk", msg, "")
    for n in range(5):
        when = b.ago(45)
        msg = b.message(subject=f"Old reminder {n + 1}", sender=BOB, date=when, text="Done.\n")
        b.add("Trash", msg, "S")

    # Chronological order within each folder (UIDs ascend with the date).
    for messages in b.folders.values():
        messages.sort(key=lambda item: parsedate_to_datetime(str(item[0]["Date"])))
    return b.folders


def _imap_flags(flags: str) -> list[str]:
    return [IMAP_FLAGS[letter] for letter in flags if letter in IMAP_FLAGS]


def seed_demo(
    dovecot: Dovecot,
    username: str,
    password: str,
    now: datetime | None = None,
) -> dict[str, int]:
    """Add the user (or set its password) and APPEND the demo content; return counts per folder."""
    dovecot.add_user(username, password)
    folders = demo_messages(now or datetime.now(UTC))
    counts: dict[str, int] = {}
    conn = connect(dovecot, username, password)
    try:
        for folder in DEMO_FOLDERS:
            ensure_folder(conn, folder)
        for folder, messages in folders.items():
            for msg, flags in messages:
                when = parsedate_to_datetime(str(msg["Date"]))
                conn.append_message(folder, message_bytes(msg), _imap_flags(flags), when)
            counts[folder] = len(messages)
    finally:
        conn.logout()
    return counts


# -- command line -------------------------------------------------------------------------------


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.chmod(0o644)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m webmail.devmail.demo",
        description="Run a private Dovecot with a demo mailbox until SIGTERM/SIGINT.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("/var/tmp/webmail-devmail"),
        help="state directory (must be reachable by unprivileged users; default %(default)s)",
    )
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--no-tls", action="store_true", help="plain IMAP only, no certificates")
    parser.add_argument(
        "--reseed", action="store_true", help="wipe the user's mailbox and seed it again"
    )
    parser.add_argument(
        "--no-fts",
        action="store_true",
        help="no full-text index (by default Xapian FTS when dovecot-fts-xapian is installed)",
    )
    parser.add_argument(
        "--extra-config", type=Path, help="a Dovecot config snippet to add (e.g. SSO's oauth2)"
    )
    args = parser.parse_args(argv)

    root: Path = args.root.absolute()
    root.mkdir(parents=True, exist_ok=True)
    ports_file = root / "ports.json"
    ports_file.unlink(missing_ok=True)

    stop = threading.Event()
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, on_signal)

    # Filters and out-of-office: Sieve on delivery and a ManageSieve service (devmail/sieve.py);
    # full-text search with Xapian, indexing at delivery (devmail/fts.py): the demo's quick box
    # then searches the message text too.
    fts = "" if args.no_fts or not xapian_installed() else XAPIAN_FTS
    # Another snippet (e.g. SSO's oauth2 passdb, devmail/sso_demo.py) comes on top.
    extra = args.extra_config.read_text() if args.extra_config else ""
    # Shared and public folders (devmail/acl.py): ACLs, shared/<user>/ and Public/.
    acl = acl_config(Dovecot(root).mail_dir)
    with_sieve = sieve_dovecot(root, tls=not args.no_tls, extra_config=fts + acl + extra)
    dovecot = with_sieve.dovecot
    try:
        dovecot.start()
        wait_for_managesieve(dovecot.host, with_sieve.managesieve_port)
        dovecot.add_user(args.user, args.password)
        marker = root / f"seeded-{args.user}"
        if args.reseed or not marker.exists():
            marker.unlink(missing_ok=True)
            shutil.rmtree(dovecot.maildir(args.user), ignore_errors=True)
            counts = seed_demo(dovecot, args.user, args.password)
            counts.update(seed_public_folders(dovecot, args.user, args.password))
            marker.write_text(json.dumps(counts, ensure_ascii=False) + "\n")
            print(
                json.dumps({"seeded": counts, "total": sum(counts.values())}, ensure_ascii=False),
                flush=True,
            )
        info = {
            "host": dovecot.host,
            "imap_port": dovecot.imap_port,
            "imaps_port": dovecot.imaps_port,
            "lmtp_port": dovecot.lmtp_port,
            "managesieve_port": with_sieve.managesieve_port,
            "ca_file": str(dovecot.ca_file) if dovecot.tls else None,
            "user": args.user,
            "password": args.password,
            "root": str(root),
            "pid": os.getpid(),
        }
        _write_json_atomically(ports_file, info)
        print(json.dumps(info), flush=True)
        while not stop.wait(0.5):
            if not dovecot.running:
                print(f"dovecot exited unexpectedly:\n{dovecot.log_tail()}", file=sys.stderr)
                return 1
        return 0
    finally:
        dovecot.stop()
        ports_file.unlink(missing_ok=True)
        for number, handler in previous.items():
            signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
