"""The assistant's chat page in headless Chromium (issue 14): sign in, open /assistant, ask
what links to a page (Enter sends; Shift+Enter only starts a new line) and see the answer
rendered with links to Notion, ask for a rename, confirm its plan card, watch the task complete,
undo it and watch the undo finish, all over the WebSocket; ↑ brings the last message back; with
the socket dropped and held down, a message still goes through the REST API, one sent meanwhile
from elsewhere is replayed once the socket reconnects (with `after`); the console stays free of
errors throughout. Screenshots at
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

        # Every socket goes through to the server, except while `hold` is set: then it is shut
        # at once, as a network that is down would.
        sockets, hold = [], [False]

        def relay(ws):
            sockets.append(ws)
            if hold[0]:
                ws.close()
            else:
                ws.connect_to_server()

        page.route_web_socket("**/api/v1/assistant/ws*", relay)

        page.goto(base + "/login")
        page.get_by_label("Email").fill(config["email"])
        page.get_by_label("Password").fill(config["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        page.get_by_role("link", name="Assistant").click()
        page.wait_for_function("() => document.documentElement.dataset.chat === 'ready'")
        check("the chat page opens from the menu", page.url.startswith(base + "/assistant"))
        page.wait_for_function("() => document.documentElement.dataset.socket === 'live'")
        check("the chat connects its WebSocket", len(sockets) == 1)

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
        box.press("ArrowUp")
        check("↑ in the empty box brings the last message back",
              box.input_value() == f"what links to {config['linked']}?", box.input_value())
        box.fill("")

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

        # The socket drops and stays down: the page says so and still answers, over REST.
        hold[0] = True
        sockets[-1].close()
        page.wait_for_function("() => document.documentElement.dataset.socket === 'down'")
        check("a dropped socket is shown", page.locator("#connection").is_visible())
        before = page.locator(".message.assistant").count()
        box.fill("orphans")
        box.press("Enter")
        page.locator(".message.assistant").nth(before).wait_for()
        check("without the socket a message goes through the REST API", box.input_value() == "")
        # Meanwhile a message comes from elsewhere (another tab); reconnecting replays it.
        conversation = page.locator("#chat").get_attribute("data-conversation")
        sent = page.context.request.post(
            f"{base}/api/v1/assistant/conversations/{conversation}/messages",
            data={"text": "hubs"},
            headers={"X-CSRF-Token": page.locator("#chat").get_attribute("data-csrf")})
        check("a message is sent from elsewhere", sent.ok, str(sent.status))
        held = len(sockets)
        hold[0] = False
        page.wait_for_function("() => document.documentElement.dataset.socket === 'live'", timeout=60000)
        check("the socket comes back and resumes after the last event seen",
              "after=" in sockets[-1].url and len(sockets) > held, sockets[-1].url)
        page.locator(".message.user", has_text="hubs").wait_for(timeout=10000)
        check("what was said meanwhile is replayed", page.locator(".message.user", has_text="hubs").count() == 1)

        page.reload()
        page.wait_for_function("() => document.documentElement.dataset.chat === 'ready'")
        check("the conversation is there after a reload", page.locator(".message.user").count() == 4)
        check("no console error or failed request", not errors, "; ".join(errors[:5]))
        browser.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
    sys.exit(1 if failures else 0)
