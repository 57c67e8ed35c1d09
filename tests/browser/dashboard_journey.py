"""A newcomer's journey through the dashboard in headless Chromium (issue 12): the home page,
sign up, confirm the address from the mailed link, try the sample workspace, watch its import
reach done without reloading by hand (progress.js reloads when the run ends), and download its
graph as D3 JSON, open the graph page, search a page and inspect its links, share the graph, open
the embed URL, revoke it and see the embed answer 404. Before revoking, every page is checked
with axe-core (no serious or critical violation) and photographed at 390x844 and 1440x900 in
the light and the dark theme (`screenshots/<page>-<width>-<theme>.png`).

Usage: dashboard_journey.py CONFIG_JSON with `chromium`, `base` (the instance), `mail_dir`
(where its mail lands: the SMTP server's Maildir `new/` or the outbox) and `screenshots`.
Prints one line per check; exits 1 when one fails.
"""

import email
import email.policy
import json
import pathlib
import re
import sys
import time
import uuid

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
         "--disable-background-networking"]
READY = "() => ['ready', 'fallback'].includes(document.documentElement.dataset.viewer)"
AXE = pathlib.Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = [(390, 844), (1440, 900)]
failures = []


def check(name, ok, detail=""):
    print(f"{'ok' if ok else 'FAILED'}: {name} {detail}".rstrip(), flush=True)
    if not ok:
        failures.append(name)


def verification_link(mail_dir, to, deadline=15):
    """The confirmation link of the newest mail to `to`."""
    end = time.time() + deadline
    while time.time() < end:
        for path in pathlib.Path(mail_dir).glob("*"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in str(message["To"]) and "Confirm" in str(message["Subject"]):
                body = message.get_body(preferencelist=("plain",)).get_content()
                found = re.search(r"https?://\S+/verify-email\?token=[\w-]+", body)
                if found:
                    return found.group(0)
        time.sleep(0.2)
    return None


def main(config):
    base, shots = config["base"], pathlib.Path(config["screenshots"])
    shots.mkdir(parents=True, exist_ok=True)
    address = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config["chromium"], args=FLAGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

        page.goto(base + "/")
        check("the home page says what the product does",
              page.get_by_role("heading", level=1).inner_text().startswith("See how"))

        page.get_by_role("link", name="Sign up with email").click()
        page.get_by_label("Email").fill(address)
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url(base + "/")
        check("signing up lands on the workspaces", "Welcome" in page.locator(".flash").inner_text())

        link = verification_link(config["mail_dir"], address)
        check("the confirmation mail arrived", link is not None)
        if link:
            page.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), base))
            page.get_by_role("button", name="Confirm my email address").click()
            page.wait_for_url(base + "/")
            check("the mailed link confirms the address", "confirmed" in page.locator(".flash").inner_text())

        page.get_by_role("link", name="Connect a workspace").first.click()
        page.get_by_role("button", name="Try a sample workspace").click()
        page.wait_for_url(re.compile(r".*/workspaces/[0-9a-f-]+$"))
        check("the sample workspace is connected", "import has started" in page.locator(".flash").inner_text())
        page.locator("td", has_text="Done").first.wait_for(timeout=120_000)
        check("the import reaches done and the page shows it by itself",
              page.locator(".badge").inner_text() == "Up to date")
        with page.expect_download() as download:
            page.get_by_role("link", name="D3 JSON").click()
        graph = json.loads(pathlib.Path(download.value.path()).read_text())
        check("the D3 JSON download holds the imported graph",
              len(graph["nodes"]) > 100 and len(graph["links"]) > 100,
              f'{len(graph["nodes"])} nodes, {len(graph["links"])} links')
        explore_the_graph(page, shots)
        share_and_revoke(page, shots, base)
        check("no console errors (CSP violations among them)", not errors, "; ".join(errors))
        browser.close()


def explore_the_graph(page, shots):
    """From the workspace page to its graph: the viewer draws, a search picks the best match of a
    hub's title, and the inspector shows that page's links with their provenance."""
    page.get_by_role("link", name="Open the graph").click()
    page.wait_for_function(READY, timeout=30000)
    check("the graph page's viewer draws", page.evaluate("document.documentElement.dataset.viewer") == "ready")
    page.locator("#legend-communities li").first.wait_for()  # the titles are loaded: search works
    hub = page.locator("#hubs-heading ~ ul button").first.inner_text()
    page.get_by_role("combobox", name="Search pages").fill(hub)
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("Enter")
    heading = page.locator("#inspector h2")
    heading.filter(has_text=hub).wait_for(timeout=10000)
    check("search then inspect shows the page", heading.inner_text() == hub, heading.inner_text())
    links = page.locator("#inspector .provenance")
    check("the inspector lists links with their provenance", links.count() > 0, f"{links.count()} links")
    page.locator("#inspector [data-page]").first.click()
    page.wait_for_function("(hub) => document.querySelector('#inspector h2').textContent !== hub", arg=hub)
    check("a linked page opens in the inspector", page.locator("#inspector h2").inner_text() != hub)


def share_and_revoke(page, shots, base):
    page.get_by_role("link", name="Share", exact=True).click()
    page.get_by_label("Name").fill("Journey map")
    page.get_by_role("button", name="Create the share link").click()
    check("a share link is created", "Share link created" in page.locator(".flash").inner_text())
    path = page.locator("iframe.preview").get_attribute("src")
    shown = page.get_by_label("Link of Journey map").input_value()
    check("the link to copy is the embed page", shown.endswith(path), f"{shown} for {path}")
    url = base + path  # the instance's public URL names its configured port, not the test's
    embed = page.context.new_page()
    embed.goto(url)
    embed.wait_for_function(READY, timeout=30000)
    check("the embed URL shows the graph", embed.evaluate("document.documentElement.dataset.viewer") == "ready")
    workspace = re.search(r"/workspaces/([^/]+)/shares", page.url).group(1)
    revoke = page.get_by_role("link", name="Revoke…").get_attribute("href")
    w = f"/workspaces/{workspace}"
    sweep(page.context.browser, page.context, base, [
        ("welcome", "/", False), ("login", "/login", False), ("signup", "/signup", False),
        ("reset", "/reset-password", False), ("not-found", "/no/such/page", False),
        ("home", "/", True), ("new", "/workspaces/new", True), ("workspace", w, True),
        ("disconnect", f"{w}/disconnect", True), ("graph", f"{w}/graph", True),
        ("shares", f"{w}/shares", True), ("revoke", revoke, True), ("account", "/account", True),
        ("delete-account", "/account/delete", True), ("admin", "/admin", True),
    ], shots)
    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke the link").click()
    check("the share is revoked", "revoked" in page.locator(".flash").inner_text())
    gone = embed.goto(url)
    check("the revoked embed answers 404", gone.status == 404, str(gone.status))
    embed.close()


def sweep(browser, signed_in, base, pages, shots):
    """Every page, signed in or out as it is meant to be seen: axe-core finds no serious or
    critical violation, and screenshots at both sizes in both themes. The contexts bypass the
    CSP only so that axe can be injected; the journey itself runs under the real CSP."""
    contexts = {
        True: browser.new_context(bypass_csp=True, storage_state=signed_in.storage_state()),
        False: browser.new_context(bypass_csp=True),
    }
    for name, path, needs_session in pages:
        page = contexts[needs_session].new_page()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for theme in ["light", "dark"]:
                page.emulate_media(color_scheme=theme)
                page.goto(base + path)
                if page.locator("#graph").count():
                    page.wait_for_function(READY, timeout=30000)
                page.screenshot(path=shots / f"{name}-{width}-{theme}.png", full_page=True)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document)).violations"
                              ".filter((v) => ['serious', 'critical'].includes(v.impact))"
                              ".map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)")
        check(f"axe: no serious or critical violation on {name}", not found, "; ".join(found))
        page.close()
    for context in contexts.values():
        context.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
    sys.exit(1 if failures else 0)
