"""Screenshots of the main screens from the demo mailbox (run: scripts/screenshots).

A private Dovecot with the demo mailbox (webmail.devmail.demo), the app under Daphne (as the
browser tests run it), Chromium at desktop (1366x800) and phone (390x844) width, light and dark
(the system's colour scheme; the theme setting is "as the system"). Writes
docs/screenshots/<screen>-<width>-<scheme>.png; also the installed app (a phone-sized window in
the manifest's standalone display mode, app-phone-<scheme>.png) and the mailbox in other
languages (<screen>-<language>-<width>-light.png: Arabic, right to left). `--only NAME` limits
the run to the screens whose file names start with NAME.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, Playwright, ViewportSize, sync_playwright  # noqa: E402

from tests.support.dovecot import make_dovecot_root  # noqa: E402
from tests.support.liveserver import mail_env, run_daphne  # noqa: E402
from webmail.devmail.demo import seed_demo  # noqa: E402
from webmail.devmail.dovecot import Dovecot  # noqa: E402

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 800},
    "phone": {"width": 390, "height": 844},
}
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
USER, PASSWORD = "demo", "demo-screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
#: Screens shot in other languages (the browser's language chooses it), light only.
LANGUAGES: dict[str, tuple[str, ...]] = {
    "de": ("mailbox", "settings"),
    "ar": ("mailbox", "message", "compose"),
}


def log_in(page: Page, base: str) -> None:
    """The login form by its fields, whatever language its labels are in."""
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(USER)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.login-box button[type=submit]").click()
    page.wait_for_url(f"{base}/mail/INBOX/")
    page.wait_for_load_state("load")


def open_found(page: Page, base: str, query: str) -> None:
    """The first message of the demo's Inbox that a search for `query` finds."""
    page.goto(f"{base}/search/?folder=INBOX&q={query}")
    href = page.locator("table.messages tr.row .c-subject a").first.get_attribute("href") or ""
    page.goto(base + href)
    page.wait_for_load_state("load")


def open_viewer(page: Page, base: str) -> None:
    open_found(page, base, "Fotos")
    page.locator(".attachments a.preview").first.click()
    page.locator("dialog.viewer .viewer-stage img").wait_for()


def screens(base: str) -> dict[str, Callable[[Page], None]]:
    def go(path: str) -> Callable[[Page], None]:
        def show(page: Page) -> None:
            page.goto(base + path)

        return show

    return {
        "mailbox": go("/mail/INBOX/"),
        "message": lambda page: open_found(page, base, "Fotos"),
        "viewer": lambda page: open_viewer(page, base),
        "html-message": lambda page: open_found(page, base, "logo"),
        "compose": go("/compose/"),
        "search": go("/search/?folder=INBOX&q=report"),
        "settings": go("/accounts/settings/display/"),
        "contacts": go("/contacts/"),
        "folders-drawer": lambda page: open_drawer(page, base),
    }


def open_drawer(page: Page, base: str) -> None:
    page.goto(base + "/mail/INBOX/")
    page.locator(".menu-toggle").click()


def shoot(page: Page, show: Callable[[Page], None], target: Path) -> None:
    show(page)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # fonts and the frame's height settle
    page.screenshot(path=str(target))
    print(target)


def shoot_app(
    playwright: Playwright, base: str, scheme: Literal["light", "dark"], out: Path
) -> None:
    """The installed app: Chromium's app window (--app, no browser UI; the page's display mode
    is the manifest's standalone) at phone size."""
    profile = tempfile.mkdtemp(prefix="webmail-app-")
    try:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_ARGS, f"--app={base}/mail/INBOX/"],
            headless=True,
            viewport=WIDTHS["phone"],
            color_scheme=scheme,
            has_touch=True,
        )
        page = context.pages[0] if context.pages else context.new_page()
        log_in(page, base)
        assert page.evaluate("matchMedia('(display-mode: standalone)').matches")
        shoot(page, screens(base)["mailbox"], out)
        context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="file name prefixes to shoot")
    args = parser.parse_args()

    def wanted(name: str) -> bool:
        return not args.only or any(name.startswith(prefix) for prefix in args.only)

    args.out.mkdir(parents=True, exist_ok=True)
    dovecot = Dovecot(make_dovecot_root())
    workdir = Path(tempfile.mkdtemp(prefix="webmail-screenshots-"))
    try:
        dovecot.start()
        seed_demo(dovecot, USER, PASSWORD)
        env = {**mail_env(dovecot), "WEBMAIL_COMPOSE_DIR": str(workdir / "compose")}
        with run_daphne(workdir, env) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            for width, viewport in WIDTHS.items():
                for scheme in SCHEMES:
                    if not any(wanted(f"{name}-{width}-{scheme}") for name in screens("")):
                        continue
                    context = browser.new_context(viewport=viewport, color_scheme=scheme)
                    page = context.new_page()
                    log_in(page, server.url)
                    for name, show in screens(server.url).items():
                        if name == "folders-drawer" and width != "phone":
                            continue
                        if wanted(f"{name}-{width}-{scheme}"):
                            shoot(page, show, args.out / f"{name}-{width}-{scheme}.png")
                    context.close()
            for scheme in SCHEMES:
                if wanted(f"app-phone-{scheme}"):
                    shoot_app(playwright, server.url, scheme, args.out / f"app-phone-{scheme}.png")
            for language, names in LANGUAGES.items():
                for width, viewport in WIDTHS.items():
                    if not any(wanted(f"{name}-{language}-{width}-light") for name in names):
                        continue
                    context = browser.new_context(viewport=viewport, locale=language)
                    page = context.new_page()
                    log_in(page, server.url)
                    for name in names:
                        target = f"{name}-{language}-{width}-light"
                        if wanted(target):
                            shoot(page, screens(server.url)[name], args.out / f"{target}.png")
                    context.close()
            browser.close()
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
