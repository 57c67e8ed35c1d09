"""The assistant's chat page in headless Chromium (issue 14): sign in, open /assistant, ask
what links to a page (Enter sends; Shift+Enter only starts a new line) and see the answer
rendered with links to Notion, ask for a rename, confirm its plan card, watch the task complete,
undo it and watch the undo finish; the console stays free of errors throughout. Screenshots at
390x844 and 1440x900 (`screenshots/assistant-<width>.png`).

Usage: assistant_chat.py CONFIG_JSON with `chromium`, `base`, `email`, `password`, `linked`
(a page title to ask about), `source` (a title that links to it), `renamed` (a page to rename)
and `screenshots`. Prints one line per check; exits 1 when one fails.
"""

import json
import pathlib
import sys

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--disable-background-networking"]
failures = []


def check(name, ok, detail=""):
    print(f"{'ok' if ok else 'FAILED'}: {name} {detail}".rstrip(), flush=True)
    if not ok:
        failures.append(name)


def main(config):
    base, shots = config["base"], pathlib.Path(config["screenshots"])
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config["chromium"], args=FLAGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

        page.goto(base + "/login")
        page.get_by_label("Email").fill(config["email"])
        page.get_by_label("Password").fill(config["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        page.get_by_role("link", name="Assistant").click()
        page.wait_for_function("() => document.documentElement.dataset.chat === 'ready'")
        check("the chat page opens from the menu", page.url.startswith(base + "/assistant"))

        box = page.get_by_label("Message")
        box.fill("first line")
        box.press("Shift+Enter")
        box.type("second line")
        check("Shift+Enter starts a new line without sending",
              box.input_value() == "first line\nsecond line"
              and page.locator(".message.user").count() == 0)
        box.fill(f"what links to {config['linked']}?")
        box.press("Enter")
        answer = page.locator(".message.assistant").nth(1)
        answer.wait_for()
        text = answer.inner_text()
        check("Enter sends and the answer names the linking page", config["source"] in text, text[:200])
        links = answer.locator("a[href^='http']")
        check("pages in the answer are links to Notion", links.count() >= 1)
        check("the box is empty again", box.input_value() == "")

        box.fill(f"rename {config['renamed']} to Renamed in the browser")
        box.press("Enter")
        card = page.locator(".plan").last
        card.wait_for()
        check("a write gets a plan card", "Renamed in the browser" in card.inner_text())
        card.get_by_role("button", name="Confirm").click()
        page.wait_for_selector(".plan[data-task-state='completed']", timeout=60000)
        check("confirming runs the task to completion", "completed" in card.inner_text())
        for width, height in [(390, 844), (1440, 900)]:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=shots / f"assistant-{width}.png", full_page=True)
        card.get_by_role("button", name="Undo").click()
        page.wait_for_selector(".plan[data-task-state='undone']", timeout=60000)
        check("undo reverts it and says so", "Undo reverted 1 step" in card.inner_text(), card.inner_text())

        page.reload()
        page.wait_for_function("() => document.documentElement.dataset.chat === 'ready'")
        check("the conversation is there after a reload", page.locator(".message.user").count() == 2)
        check("no console error or failed request", not errors, "; ".join(errors[:5]))
        browser.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
    sys.exit(1 if failures else 0)
