"""A newcomer's journey through the dashboard in headless Chromium (issue 12): the home page,
sign up, confirm the address from the mailed link, try the sample workspace, watch its import
reach done without reloading by hand (progress.js reloads when the run ends), and download its
graph as D3 JSON; then add a page and a link in the sample and sync it, open the graph page once
the second graph is built, search a page and inspect its links, ring the changes in the viewer
and focus one from the list, download the view as a PNG, share the graph, open the embed URL,
revoke it and see the embed answer 404, share the view as it was left (filters, focus, theme,
titles) and find those in the share, upload a Notion export zip on the new workspace page, and
download the export of the sample queued before the sweep below. Before revoking, every page is checked
with axe-core (no serious or critical violation) and photographed at 390x844 and 1440x900 in
the light and the dark theme (`screenshots/<page>-<width>-<theme>.png`).

Usage: dashboard_journey.py CONFIG_JSON with `chromium`, `base` (the instance), `mail_dir`
(where its mail lands: the SMTP server's Maildir `new/` or the outbox), `sample` (the sample
workspace's simulator, whose `/_sim` API edits it), `zip` (a small Notion export) and
`screenshots`. Prints one line per check (with the seconds since the start); exits 1 when one fails.
"""

import email
import email.policy
import json
import pathlib
import re
import struct
import sys
import time
import urllib.request
import uuid
import zipfile
import zlib

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
         "--disable-background-networking"]
READY = "() => ['ready', 'fallback'].includes(document.documentElement.dataset.viewer)"
FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
# The viewer's rings in the light theme (web/embed/viewer/theme.js): added, links changed.
RINGS = [(0, 179, 64), (217, 0, 166)]
AXE = pathlib.Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = [(390, 844), (1440, 900)]
failures = []
STARTED = time.time()


def check(name, ok, detail=""):
    print(f"{time.time() - STARTED:5.1f} {'ok' if ok else 'FAILED'}: {name} {detail}".rstrip(), flush=True)
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
        sample = page.url
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
        home_card_pictures_the_graph(page, base)
        page.goto(sample)
        edit_and_sync(page, config["sample"])
        explore_the_graph(page, shots)
        see_the_changes(page, shots)
        download_the_view(page)
        queue_an_export(page, sample)  # it runs while the pages are swept
        share_and_revoke(page, shots, base)
        share_this_view(page, base, shots)
        import_a_zip(page, config["zip"])
        download_the_export(page, sample)
        check("no console errors (CSP violations among them)", not errors, "; ".join(errors))
        browser.close()


def sim(url, method="GET", body=None):
    """The sample simulator's control API (`/_sim`), as JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def edit_and_sync(page, sample):
    """As someone editing in Notion: a new page under one page, a mention between two others;
    then Sync now, so that the next graph has something to compare."""
    pages = [p for p in sim(sample + "/_sim/truth")["pages"]
             if p["shared"] and not p["trashed"] and p["in_search"] and p["kind"] == "page"]
    sim(sample + "/_sim/pages", "POST", {"parent_id": pages[0]["id"], "title": "Journey new page"})
    sim(f'{sample}/_sim/pages/{pages[3]["id"]}/links', "POST", {"target": pages[9]["id"], "kind": "page_mention"})
    page.get_by_role("button", name="Sync now").click()
    check("a sync is asked for", page.locator(".flash").count() > 0)


def changes_listed(page, deadline=90):
    """Reloads the graph page until it lists the synced changes (the build waits for its
    debounce after the sync)."""
    end = time.time() + deadline
    while time.time() < end:
        if page.locator("#show-changes").count():
            return True
        time.sleep(1)
        page.reload()
    return False


def explore_the_graph(page, shots):
    """From the workspace page to its graph: the viewer draws, a search picks the best match of a
    hub's title, and the inspector shows that page's links with their provenance."""
    page.get_by_role("link", name="Open the graph").click()
    check("the graph page lists what the sync changed", changes_listed(page))
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


def pixel_at(page, x, y):
    """The colour on screen at (x, y): a 1x1 screenshot, whose PNG holds one filtered pixel
    (every PNG filter leaves the first pixel of the first row as it is)."""
    png = page.screenshot(clip={"x": round(x), "y": round(y), "width": 1, "height": 1})
    at, data = 8, b""
    while at < len(png):
        length = struct.unpack(">I", png[at:at + 4])[0]
        if png[at + 4:at + 8] == b"IDAT":
            data += png[at + 8:at + 8 + length]
        at += 12 + length
    return tuple(zlib.decompress(data)[1:4])


def ringed(page, ids):
    """The ids whose node shows a ring colour just outside it, to its left, above or below it
    (labels sit to the right; another node may cover one side); nodes outside the canvas are
    skipped."""
    box = page.locator("#graph").bounding_box()
    found = []
    for id in ids:
        at = page.evaluate("(id) => notionGraph.project(id)", id)
        if not at or not (box["x"] + 8 < at["x"] < box["x"] + box["width"] - 8
                          and box["y"] + 8 < at["y"] < box["y"] + box["height"] - 8):
            continue
        out = at["radius"] + 1.5
        for x, y in [(at["x"] - out, at["y"]), (at["x"], at["y"] - out), (at["x"], at["y"] + out)]:
            pixel = pixel_at(page, x, y)
            if any(all(abs(a - b) <= 48 for a, b in zip(pixel, ring)) for ring in RINGS):
                found.append(id)
                break
    return found


def see_the_changes(page, shots):
    """The changes since the previous graph ringed in the viewer, the rest dimmed, with the
    toggle; a page picked in the list is selected and brought to the middle of the view."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.evaluate("() => { window.scrollTo(0, 0); notionGraph.select(null); }")
    page.get_by_role("button", name="Fit the whole graph").click()
    listed = page.locator("section[aria-labelledby=changes-heading] [data-page]")
    ids = list(dict.fromkeys(listed.nth(k).get_attribute("data-page") for k in range(listed.count())))[:6]
    page.evaluate(FRAME)
    before = ringed(page, ids)
    toggle = page.get_by_role("button", name="Highlight in the graph")
    toggle.click()
    page.wait_for_function("() => notionGraph.stats().marked > 0", timeout=10000)
    page.evaluate(FRAME)
    after = ringed(page, ids)
    page.screenshot(path=shots / "graph-changes-1440-light.png")
    check("the changed pages are ringed in the viewer once asked", not before and len(after) * 2 > len(ids),
          f"{len(before)} before, {len(after)} of {len(ids)} after, {page.evaluate('notionGraph.stats().marked')} marked")
    toggle.click()
    page.evaluate(FRAME)
    check("the toggle takes the rings away", toggle.get_attribute("aria-pressed") == "false"
          and page.evaluate("notionGraph.stats().marked") == 0 and not ringed(page, ids[:2]))
    new = page.locator("h3:text-is('New pages') + ul [data-page]").first
    title, id = new.inner_text(), new.get_attribute("data-page")
    new.click()
    page.locator("#inspector h2").filter(has_text=title).wait_for(timeout=10000)
    page.evaluate(FRAME)
    at = page.evaluate("(id) => notionGraph.project(id)", id)
    box = page.locator("#graph").bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    check("a new page picked in the list is focused in the viewer",
          abs(at["x"] - middle[0]) < 2 and abs(at["y"] - middle[1]) < 2, f"{at} for the middle {middle}")


def download_the_view(page):
    """PNG of this view: the canvas with its labels, as many pixels as the canvas has."""
    with page.expect_download() as download:
        page.get_by_role("button", name="PNG of this view").click()
    png = pathlib.Path(download.value.path()).read_bytes()
    size = struct.unpack(">II", png[16:24]) if png[:8] == b"\x89PNG\r\n\x1a\n" else None
    canvas = page.evaluate("(({ width, height }) => [width, height])(document.querySelector('#graph'))")
    check("the PNG download is a picture of the view at the canvas's resolution",
          size == tuple(canvas) and len(png) > 20_000 and download.value.suggested_filename.endswith(".png"),
          f"{size} for the canvas {canvas}, {len(png)} bytes")


def home_card_pictures_the_graph(page, base):
    page.goto(base + "/")
    picture = page.locator(".card .thumbnail img").first
    picture.scroll_into_view_if_needed()
    picture.evaluate("img => img.decode()")
    size = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    check("the home card shows a picture of the graph", size == [800, 500], str(size))


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


def share_this_view(page, base, shots):
    """The graph as the owner leaves it (a community hidden, orphans hidden, a hub in focus two
    links deep, titles off, the dark theme), shared with "Share this view": the share holds it."""
    workspace = re.search(r"/workspaces/([^/]+)/", page.url).group(1)
    page.goto(f"{base}/workspaces/{workspace}/graph")
    page.wait_for_function(READY, timeout=30000)
    page.locator("#legend-communities li").first.wait_for()
    page.locator("#legend-communities button").first.click()
    page.get_by_role("button", name="Hide orphans", exact=True).click()
    hub = page.locator("#hubs-heading ~ ul [data-page]").first
    root = hub.get_attribute("data-page")
    hub.click()
    page.get_by_label("Local graph depth around the selected page").select_option("2")
    page.get_by_role("button", name="Titles", exact=True).click()
    page.locator("#theme-toggle").click()
    shown = page.evaluate("notionGraph.view()")
    page.get_by_role("link", name="Share this view").click()
    page.screenshot(path=shots / "shares-from-view-1440-dark.png", full_page=True)
    page.get_by_label("Name").fill("This view")
    page.get_by_role("button", name="Create the share link").click()
    check("a share is made from the view", "Share link created" in page.locator(".flash").inner_text())
    shares = page.request.get(f"{base}/api/v1/workspaces/{workspace}/shares").json()
    preset = next(s["preset"] for s in shares if s["name"] == "This view")
    wanted = {"view": "neighbourhood", "root": root, "depth": 2, "labels": False, "hide_orphans": True,
              "hide_hierarchy": False, "theme": "dark"}
    check("the share holds the view's focus, depth, filters, theme and titles",
          all(preset[k] == v for k, v in wanted.items()) and preset["communities"] == shown["communities"]
          and len(shown["communities"]) > 0 and preset["kinds"] == shown["kinds"],
          f"{preset} for {shown}")
    page.evaluate("localStorage.removeItem('notion-graph-theme')")


def import_a_zip(page, export_zip):
    """A Notion export zip uploaded on the new workspace page becomes a workspace."""
    page.get_by_role("link", name="Connect a workspace").first.click()
    page.get_by_label("Name (optional)").fill("From a zip")
    page.get_by_label("Export zip").set_input_files(export_zip)
    page.get_by_role("button", name="Import the zip").click()
    page.wait_for_url(re.compile(r".*/workspaces/[^/]+$"))
    check("the uploaded zip becomes a workspace", "Notion export imported" in page.locator(".flash").inner_text()
          and page.get_by_role("heading", name="Imported from a Notion export").count() == 1)


def queue_an_export(page, workspace):
    """The workspace page's Export button queues an export; then back to the graph."""
    graph = page.url
    page.goto(workspace)
    page.get_by_role("button", name="Export", exact=True).click()
    check("an export is queued", "export is queued" in page.locator(".flash").inner_text())
    page.goto(graph)


def download_the_export(page, workspace):
    """The workspace page offers the export's zip once ready: Markdown pages and their Notion
    JSON."""
    page.goto(workspace)
    link = page.get_by_role("link", name="Download zip")
    end = time.time() + 60
    while not link.count() and time.time() < end:
        time.sleep(0.5)
        page.reload()
    with page.expect_download() as download:
        link.first.click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    markdown, raw = (sum(n.endswith(end) for n in names) for end in (".md", ".json"))
    check("the export downloads as a zip of Markdown pages and their JSON", markdown > 100 and raw > 100,
          f"{markdown} Markdown files, {raw} JSON files")


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
