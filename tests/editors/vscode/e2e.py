#!/usr/bin/env python3
"""What an editor user does with the fhc extension, in a real VS Code (code-server) driven by
headless Chromium: each step is checked on screen, a screenshot is kept for each.

Usage: e2e.py URL FOLDER SHOTS_DIR FHC
FOLDER holds firehol.conf (tests/editors/vscode/firehol.conf). Only 127.0.0.1 is reached:
every other request is aborted and no other host name resolves.

Steps: FireHOL language mode; E0101 in the Problems panel with its code and help; the quick fix
from the light bulb menu (Ctrl+.) adds the `inface` placeholder and the error goes; hover on a
service shows its ports; an inlay hint shows them too; signature help while typing a statement;
completion of a service name and of this machine's interfaces; document highlight and rename of
an action (F2); Format Document gives what `fhc fmt` gives (the saved file is compared); the
workspace symbol search; and, from the client's trace, that VS Code pulled its diagnostics and
the server pushed none.
"""
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import expect, sync_playwright

url, folder, shots, fhc = sys.argv[1:5]
conf = Path(folder) / "firehol.conf"
T0 = time.time()
failures = []


def log(msg):
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


def check(name, ok, detail=""):
    log(f"{'PASS' if ok else 'FAIL'} {name} {detail}")
    if not ok:
        failures.append(name)


def only_loopback(route):
    host = urlparse(route.request.url).hostname
    if host in ("127.0.0.1", "localhost", None) or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def shot(page, name):
    page.screenshot(path=f"{shots}/{name}.png")


def go_to(page, line, end=True):
    """Puts the cursor on a line (1-based), at its end."""
    page.keyboard.press("Control+g")
    page.keyboard.type(str(line))
    page.keyboard.press("Enter")
    if end:
        page.keyboard.press("End")


def line_text(page, needle):
    return page.locator(".view-line", has_text=needle).first.inner_text().replace("\u00a0", " ")


def step(name, page, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - a failed step is reported, the next ones still run
        shot(page, f"fail-{name}")
        check(name, False, f"{type(e).__name__}: {str(e).splitlines()[0]}")
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")


with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[
            "--no-sandbox",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    ctx = browser.new_context(viewport={"width": 1400, "height": 860})
    ctx.route("**/*", only_loopback)
    page = ctx.new_page()
    page.set_default_timeout(45_000)
    editor = page.locator(".monaco-editor").first

    def open_file():
        page.goto(f"{url}/?folder={folder}")
        page.locator(".monaco-workbench").wait_for()
        page.get_by_role("treeitem", name=re.compile(r"firehol\.conf")).click()
        page.locator(".view-line", has_text="synproxy").first.wait_for()
        mode = page.locator('[id="status.editor.mode"]')
        expect(mode).to_contain_text("FireHOL", timeout=30_000)
        check("language mode", True, repr(mode.inner_text()))
        shot(page, "1-editor")

    def problems():
        page.locator(".squiggly-error").first.wait_for()
        editor.click()
        page.keyboard.press("Control+Shift+M")
        panel = page.locator(".markers-panel")
        expect(panel).to_contain_text("E0101", timeout=30_000)
        text = panel.inner_text()
        check("Problems: E0101 with its code", "E0101" in text and "inface" in text, repr(text[:200]))
        shot(page, "2-problems")
        # The help line: on the squiggle's hover (the Problems row shows the first line only).
        page.locator(".view-line", has_text="synproxy").locator("span", has_text="synproxy").first.hover()
        hover = page.locator(".monaco-hover:not(.hidden)").first
        expect(hover).to_contain_text("help:", timeout=20_000)
        check("diagnostic help shown", "add `inface" in hover.inner_text() or "inface eth0" in hover.inner_text(),
              repr(hover.inner_text()[:300]))
        shot(page, "3-diagnostic-hover")
        page.keyboard.press("Escape")

    def quick_fix():
        editor.click()
        go_to(page, 2)
        page.keyboard.press("Control+.")
        menu = page.locator(".action-widget")
        row = menu.locator(".monaco-list-row", has_text="inface").first
        row.wait_for()
        shot(page, "4-quick-fix-menu")
        page.keyboard.press("Enter")
        expect(page.locator(".view-line", has_text="synproxy").first).to_contain_text("inface", timeout=20_000)
        panel = page.locator(".markers-panel")
        expect(panel).not_to_contain_text("E0101", timeout=30_000)
        check("quick fix applied, E0101 gone", True, repr(line_text(page, "synproxy")))
        shot(page, "5-fixed")

    def hover_and_inlay():
        page.locator(".view-line", has_text="server http").locator(
            "span", has_text=re.compile(r"^\s*http\s*$")).first.hover()
        hover = page.locator(".monaco-hover:not(.hidden)").first
        expect(hover).to_contain_text("tcp/80", timeout=20_000)
        check("hover on http shows its ports", True, repr(hover.inner_text()[:200]))
        shot(page, "6-hover")
        page.keyboard.press("Escape")
        expect(page.locator(".view-line", has_text="server http").first).to_contain_text(": tcp/80", timeout=20_000)
        check("inlay hint after http", True, repr(line_text(page, "server http")))

    def typing():
        editor.click()
        go_to(page, 5)
        page.keyboard.press("Enter")
        page.keyboard.type("server ")
        sig = page.locator(".parameter-hints-widget")
        expect(sig).to_contain_text("SERVICES", timeout=20_000)
        check("signature help while typing", "ACTION" in sig.inner_text(), repr(sig.inner_text()[:200]))
        shot(page, "7-signature-help")
        page.keyboard.type("ht")
        page.keyboard.press("Control+Space")
        suggest = page.locator(".suggest-widget .monaco-list-row", has_text="http").first
        suggest.wait_for()
        shot(page, "8-completion")
        rows = page.locator(".suggest-widget .monaco-list-row")
        labels = [rows.nth(i).inner_text() for i in range(min(rows.count(), 8))]
        check("completion offers http", any(l.split("\n")[0].strip() == "http" for l in labels), repr(labels))
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Backspace")
        page.keyboard.type("https accept inface ")
        page.keyboard.press("Control+Space")
        lo = page.locator(".suggest-widget .monaco-list-row", has_text=re.compile(r"^lo")).first
        lo.wait_for()
        check("completion offers this machine's interfaces", "lo" in lo.inner_text(), repr(lo.inner_text()))
        shot(page, "8b-interfaces")
        page.keyboard.press("Escape")
        for _ in range(len("inface ")):
            page.keyboard.press("Backspace")

    def rename():
        page.locator(".view-line", has_text="action BLOCK").locator(
            "span", has_text=re.compile(r"^BLOCK$")).first.click()
        # Document highlight: the definition (write) and the use (read).
        expect(page.locator(".wordHighlightStrong")).to_have_count(1, timeout=20_000)
        expect(page.locator(".wordHighlight")).to_have_count(1, timeout=20_000)
        check("document highlight of the action", True)
        page.keyboard.press("F2")
        box = page.locator(".rename-box .rename-input").first
        box.wait_for(state="visible")
        expect(box).to_be_focused()
        shot(page, "9-rename-box")
        # The box comes with the name selected: typing replaces it.
        box.fill("QUARANTINE")
        page.keyboard.press("Enter")
        expect(page.locator(".view-line", has_text="client ssh").first).to_contain_text("QUARANTINE", timeout=20_000)
        check("rename of an action", "QUARANTINE" in line_text(page, "action"), repr(line_text(page, "action")))
        shot(page, "10-renamed")

    def format_document():
        editor.click()
        # Ctrl+Shift+I on Linux; through the command palette as a user finds it.
        page.keyboard.press("F1")
        page.keyboard.type("Format Document")
        page.locator(".quick-input-list .monaco-list-row", has_text="Format Document").first.wait_for()
        page.keyboard.press("Enter")
        # Save until the file on disk is the formatted text (a save may race the formatting).
        deadline = time.time() + 30
        while True:
            page.keyboard.press("F1")
            page.keyboard.type("File: Save All Files")
            page.locator(".quick-input-list .monaco-list-row", has_text="Save All Files").first.click()
            time.sleep(0.7)
            saved = conf.read_text()
            if ("ssh   " not in saved and "QUARANTINE" in saved) or time.time() > deadline:
                break
        fmt = subprocess.run([fhc, "fmt", "-"], input=saved, capture_output=True, text=True)
        check("Format Document equals fhc fmt", fmt.returncode == 0 and fmt.stdout == saved and "ssh   " not in saved,
              repr(saved))
        shot(page, "11-formatted")

    def workspace_symbol():
        editor.click()
        page.keyboard.press("F1")
        page.keyboard.press("Backspace")
        page.keyboard.type("#QUAR")
        row = page.locator(".quick-input-list .monaco-list-row", has_text="QUARANTINE").first
        row.wait_for()
        check("workspace symbol search finds the action", True, repr(row.inner_text()))
        shot(page, "12-workspace-symbol")
        page.keyboard.press("Escape")

    def pulled():
        logs = list(Path(folder).parent.glob("data/logs/*/exthost*/output_logging_*/*FireHOL*"))
        text = "".join(l.read_text() for l in logs)
        asked = text.count("Sending request 'textDocument/diagnostic")
        pushed = text.count("'textDocument/publishDiagnostics")
        check("diagnostics pulled, never pushed", asked > 0 and pushed == 0,
              f"{asked} pulls, {pushed} pushes in the client's trace")

    try:
        open_file()
    except Exception as e:  # noqa: BLE001
        shot(page, "fail-open")
        check("open the file", False, f"{type(e).__name__}: {str(e).splitlines()[0]}")
    else:
        step("problems", page, problems)
        step("quick fix", page, quick_fix)
        step("hover and inlay hint", page, hover_and_inlay)
        step("typing", page, typing)
        step("rename", page, rename)
        step("format", page, format_document)
        step("workspace symbol", page, workspace_symbol)
        step("pull diagnostics", page, pulled)
    browser.close()

log(f"done, {len(failures)} failure(s): {failures}")
sys.exit(1 if failures else 0)
