"""Browser tests wait on functions, never on bare expressions.

Playwright's `wait_for_function` evaluates a bare expression ("window.x === 1") again with
`eval` at every poll, inside the page. The first evaluation comes through the DevTools protocol,
which the page's Content-Security-Policy (`script-src 'self'`) does not govern; every later
one is the page's own `eval` and is refused. A wait whose condition already holds passes, one
that has to poll fails with an EvalError: the test then fails only on a slow machine (round ten's
CI failed so). A function ("() => window.x === 1") is evaluated once and called at each poll."""

from __future__ import annotations

import ast
import re
from pathlib import Path

BROWSER_CODE = [
    *sorted((Path(__file__).resolve().parent / "browser").glob("*.py")),
    Path(__file__).resolve().parent / "support" / "browser.py",
]
FUNCTION = re.compile(r"\s*(async\s+)?(function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


def leading_text(node: ast.expr) -> str | None:
    """The literal text an expression argument starts with, or None if it is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return ""
    return None


def bare_expression_waits(source: str) -> list[int]:
    """Lines of `wait_for_function` calls whose literal first argument is not a function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "wait_for_function"
            and node.args
        ):
            text = leading_text(node.args[0])
            if text is not None and not FUNCTION.match(text):
                found.append(node.lineno)
    return found


def test_a_bare_expression_is_found_and_a_function_is_not() -> None:
    assert bare_expression_waits('page.wait_for_function("window.ready === true")') == [1]
    assert bare_expression_waits('page.wait_for_function(f"{x} > 2")') == [1]
    assert bare_expression_waits('page.wait_for_function("(window.n || 0) > 2")') == [1]
    assert bare_expression_waits('page.wait_for_function("() => window.ready")') == []
    assert bare_expression_waits('page.wait_for_function("(n) => n > 2", arg=1)') == []
    assert bare_expression_waits('page.wait_for_function("([a, b]) => a > b", arg=[2, 1])') == []
    assert bare_expression_waits('page.wait_for_function("n => n > 2", arg=1)') == []
    assert bare_expression_waits('page.wait_for_function(f"() => ({x})(1)")') == []
    assert bare_expression_waits("page.wait_for_function(PREDICATE)") == []


def test_browser_tests_wait_on_functions() -> None:
    found = {
        path.name: lines
        for path in BROWSER_CODE
        if (lines := bare_expression_waits(path.read_text(encoding="utf-8")))
    }
    assert not found, f"wait on '() => …' instead of a bare expression (file: lines): {found}"
