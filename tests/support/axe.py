"""axe-core (tests/browser/vendor/axe.min.js, MPL-2.0) run in the page under test.

The page's CSP allows no inline script: the browser context must be made with bypass_csp=True.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe.min.js"

#: WCAG 2.1 A and AA, plus the best practices the issue names: one h1, one main landmark, a
#: working skip link, content inside landmarks.
OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The page's violations, each as rule id, impact and the offending elements' selectors."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("(options) => window.axe.run(document, options)", OPTIONS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def axe_everywhere(page: Page) -> dict[str, list[dict[str, Any]]]:
    """axe at desktop and phone width, light and dark, on the page as it is."""
    found: dict[str, list[dict[str, Any]]] = {}
    for width, height, kind in ((1366, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
            found[f"{kind}-{scheme}"] = axe_violations(page)
    return {name: v for name, v in found.items() if v}
