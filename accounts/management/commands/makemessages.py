"""Django's makemessages, which also reads the Jinja2 templates (templates/jinja2/: the message
rows). Django's own reading of .html files understands its template language only; for a Jinja2
template the messages are taken with Jinja2's extractor (_(), gettext(), ngettext()) and handed
to xgettext as Python calls on the same lines, so the .po points at the template's lines."""

from __future__ import annotations

from pathlib import Path

import jinja2
from django.core.management.commands import makemessages
from jinja2.ext import extract_from_ast


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def jinja_as_python(source: str) -> str:
    """One gettext()/ngettext() call per message of the Jinja2 template, on its line."""
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    lines: dict[int, list[str]] = {}
    for lineno, function, message in extract_from_ast(environment.parse(source)):
        texts = [m for m in (message if isinstance(message, tuple) else (message,)) if m]
        call = "ngettext" if function == "ngettext" else "gettext"
        lines.setdefault(lineno, []).append(f"{call}({', '.join(_quoted(t) for t in texts)})")
    count = source.count("\n") + 1
    return "\n".join("; ".join(lines.get(n, [])) for n in range(1, count + 1)) + "\n"


class JinjaAwareBuildFile(makemessages.BuildFile):
    def preprocess(self) -> None:
        if self.is_templatized and "jinja2" in Path(self.path).parts:
            source = Path(self.path).read_text(encoding="utf-8")
            Path(self.work_path).write_text(jinja_as_python(source), encoding="utf-8")
            return
        super().preprocess()


class Command(makemessages.Command):
    build_file_class = JinjaAwareBuildFile
