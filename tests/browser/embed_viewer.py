"""The embed viewer in headless Chromium (issue 11, items 4-9), driven like a user.

Usage: embed_viewer.py CONFIG_JSON, with `chromium` (the executable), `page` (an embed URL),
`revoked` (a revoked one), `target` (`{id, title, url}`: a page to search for), `allowed` and
`denied` (two free ports: parents served from the first may frame the page, per the instance's
embed_frame_ancestors, the second may not). Prints one line per check and the viewer's stats as
JSON; exits 1 when a check fails.
"""

import http.server
import json
import struct
import sys
import threading
import zlib

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
         "--disable-background-networking"]
READY = "() => ['ready', 'fallback'].includes(document.documentElement.dataset.viewer)"
failures = []


def check(name, ok, detail=""):
    print(f"{'ok' if ok else 'FAILED'}: {name} {detail}".rstrip(), flush=True)
    if not ok:
        failures.append(name)


def parent_server(port, embed_url):
    """Serves a page that frames `embed_url`, from http://127.0.0.1:<port>."""
    page = f'<!doctype html><iframe id="f" src="{embed_url}" width="800" height="500"></iframe>'

    class Parent(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Parent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def near(pixel, colour, tolerance=48):
    want = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, want))


def viewer(browser, config):
    context = browser.new_context(viewport={"width": 900, "height": 600})
    # Notion is out of reach here: its pages answer from this stand-in, so a popup loads.
    context.route("https://www.notion.so/**", lambda route: route.fulfill(body="notion", content_type="text/html"))
    page = context.new_page()
    methods, cookies_set, streams = set(), [], []
    page.on("request", lambda r: methods.add(r.method))
    page.on("response", lambda r: cookies_set.append(r.url) if r.headers.get("set-cookie") else None)
    page.on("response", lambda r: streams.append(r.headers.get("content-type"))
            if r.url.endswith("/versions") and r.status == 200 else None)
    page.goto(config["page"])
    page.wait_for_function(READY, timeout=30000)
    check("the page reaches ready", page.evaluate("document.documentElement.dataset.viewer") == "ready")
    stats = page.evaluate("notionGraph.stats()")
    check("the first complete frame drew every link", stats["drawnLinks"] == stats["links"] > 0, json.dumps(stats))

    target = config["target"]
    found = page.evaluate("(t) => notionGraph.search(t)", target["title"])
    check("search selects the right node", found == target["id"], f"{found} for {target['title']!r}")
    card = page.locator("#card-title")
    check("the card shows its title", card.is_visible() and card.inner_text() == target["title"])
    page.evaluate("() => notionGraph.select(null)")
    page.keyboard.press("Escape")
    # Searching brings the page found into focus: the whole graph again, drawn.
    page.locator("#fit").click()
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    pixels = page.evaluate("""async (ids) => {
        const found = [];
        for (const id of ids) found.push(await notionGraph.project(id));
        return found;
    }""", config["largest"])
    drawn = [p for p in pixels if p and near(pixel_at(page, p["x"], p["y"]), p["colour"])]
    check("the canvas has drawn pixels where nodes are", len(drawn) >= len(pixels) // 2 + 1,
          f"{len(drawn)} of {len(pixels)}")

    # The extension object is kept: a lost context hands out none.
    page.evaluate("window.lose = document.querySelector('#graph').getContext('webgl2')"
                  ".getExtension('WEBGL_lose_context'); lose.loseContext()")
    page.wait_for_timeout(300)
    blank = [p for p in pixels if p and near(pixel_at(page, p["x"], p["y"]), p["colour"])]
    page.evaluate("lose.restoreContext()")
    page.wait_for_timeout(800)
    redrawn = [p for p in pixels if p and near(pixel_at(page, p["x"], p["y"]), p["colour"])]
    check("a lost WebGL context is restored and redrawn", not blank and len(redrawn) >= len(pixels) // 2 + 1,
          f"{len(blank)} drawn while lost, {len(redrawn)} of {len(pixels)} after")

    before = page.evaluate("notionGraph.stats().drawnLinks")
    page.click("#hide-hierarchy")
    # A function, not an expression string: the page's CSP forbids eval, which polling a string needs.
    page.wait_for_function("(before) => notionGraph.stats().drawnLinks !== before", arg=before, timeout=10000)
    after = page.evaluate("notionGraph.stats().drawnLinks")
    check("hiding hierarchy links changes drawnLinks", after < before, f"{before} -> {after}")
    page.click("#hide-hierarchy")
    page.click("#legend-communities button >> nth=0")
    page.wait_for_function("(before) => notionGraph.stats().drawnLinks < before", arg=before, timeout=10000)
    toggled = page.evaluate("notionGraph.stats().drawnLinks")
    check("a community toggle changes drawnLinks", toggled < before, f"{before} -> {toggled}")
    page.click("#legend-communities button >> nth=0")

    page.evaluate("(t) => notionGraph.search(t)", target["title"])
    with context.expect_page() as popup:
        page.click("#card-open")
    opened = popup.value
    opened.wait_for_load_state()
    check("Open in Notion opens a new window with the page URL", opened.url == target["url"], opened.url)
    check("the frame itself did not navigate", page.url == config["page"])

    linked = context.new_page()
    linked.on("request", lambda r: methods.add(r.method))
    linked.goto(f"{config['page']}#theme=dark&select={target['id']}")
    linked.wait_for_function("() => document.querySelector('#card-title').textContent !== ''", timeout=30000)
    check("state overrides in the URL fragment apply",
          linked.evaluate("document.documentElement.dataset.theme") == "dark"
          and linked.locator("#card-title").inner_text() == target["title"])

    interactions(page, config)
    touch(browser, config)
    check("the page listens for new versions and has none to offer",
          streams == ["text/event-stream"] and page.locator("#newer").is_hidden(), str(streams))
    newer(context, config)

    check("the embed sends only GET requests", methods == {"GET"}, str(methods))
    check("no response sets a cookie", not cookies_set and not context.cookies(), str(cookies_set))
    context.close()
    return stats


FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def interactions(page, config):
    """Hover, the keyboard and the local depth, as a user would use them."""
    target, (a, b) = config["target"], config["largest"][:2]
    page.evaluate("() => notionGraph.select(null)")
    at = page.evaluate("(id) => notionGraph.project(id)", target["id"])
    page.mouse.move(at["x"], at["y"])
    page.evaluate(FRAME)
    lit = page.evaluate("notionGraph.stats().highlighted")
    page.hover("#fit")
    page.evaluate(FRAME)
    check("hovering a node highlights it and its neighbours, leaving clears them",
          lit > 1 and page.evaluate("notionGraph.stats().highlighted") == 0
          and page.locator("#card").is_hidden(), f"{lit} lit")

    page.keyboard.press("/")
    focused = page.evaluate("document.activeElement.id")
    page.keyboard.type(target["title"])
    page.keyboard.press("Enter")
    check("/ focuses search, Enter picks the first suggestion", focused == "search"
          and page.locator("#card-title").inner_text() == target["title"], focused)
    page.keyboard.press("Escape")  # leaves the search box
    page.keyboard.press("Escape")  # clears the selection
    check("Esc clears the selection", page.locator("#card").is_hidden())

    def spread():
        p, q = (page.evaluate("(id) => notionGraph.project(id)", i) for i in (a, b))
        return ((p["x"] - q["x"]) ** 2 + (p["y"] - q["y"]) ** 2) ** 0.5, p["x"]
    before, x = spread()
    page.keyboard.press("+")
    zoomed, _ = spread()
    page.keyboard.press("-")
    back, _ = spread()
    page.keyboard.press("ArrowLeft")
    _, moved = spread()
    check("+ and - zoom about the centre, arrows pan", abs(zoomed / before - 1.4) < 0.01
          and abs(back / before - 1) < 0.01 and abs(moved - x - 60) < 0.5,
          f"{before:.1f} -> {zoomed:.1f} -> {back:.1f}; x {x:.1f} -> {moved:.1f}")

    page.evaluate("(id) => notionGraph.select(id)", target["id"])
    drawn = {}
    for depth in ["0", "1", "2", "3"]:
        page.select_option("#depth", depth)
        page.evaluate(FRAME)
        drawn[depth] = page.evaluate("notionGraph.stats().drawnLinks")
    check("local depth 1-3 around the selection draws more links at each depth, all at none",
          0 < drawn["1"] < drawn["0"] and drawn["1"] <= drawn["2"] <= drawn["3"] <= drawn["0"]
          and drawn["1"] < drawn["3"], json.dumps(drawn))
    page.select_option("#depth", "0")
    page.evaluate("() => notionGraph.select(null)")


def touch(browser, config):
    """A phone: a tap on a node selects it."""
    context = browser.new_context(viewport={"width": 400, "height": 700}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(config["page"])
    page.wait_for_function(READY, timeout=30000)
    at = page.evaluate("(id) => notionGraph.project(id)", config["target"]["id"])
    page.touchscreen.tap(at["x"], at["y"])
    page.evaluate(FRAME)
    title = page.locator("#card-title")
    check("a tap selects the node under the finger", title.is_visible()
          and title.inner_text() == config["target"]["title"], title.inner_text())
    context.close()


def newer(context, config):
    """A build after the page loaded: the stream (answered here by a stand-in naming a later
    version; the real one is tested over HTTP) makes the viewer offer a reload, which loads the
    page again."""
    page = context.new_page()
    event = json.dumps({"version": 10 ** 9, "created_at": 0})
    page.route("**/versions", lambda route: route.fulfill(
        status=200, content_type="text/event-stream", body=f"event: version\ndata: {event}\n\n"))
    page.goto(config["page"])
    page.wait_for_function(READY, timeout=30000)
    page.locator("#newer").wait_for(state="visible", timeout=10000)
    with page.expect_navigation():
        page.click("#newer")
    check("a newer version is offered and the offer reloads the page", page.url == config["page"])
    page.close()


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


def framing(browser, config):
    context = browser.new_context()
    allowed, denied = config["allowed"], config["denied"]
    servers = [parent_server(port, config["page"]) for port in (allowed, denied)]
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{allowed}/")
    frame = page.frame_locator("#f")
    frame.locator("html[data-viewer='ready']").wait_for(state="attached", timeout=30000)
    check("an allowed parent origin can frame the page", True)

    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(f"http://127.0.0.1:{denied}/")
    page.wait_for_timeout(1500)
    inner = page.frames[-1] if len(page.frames) > 1 else None
    loaded = inner is not None and inner.url == config["page"] and inner.evaluate(
        "document.documentElement.dataset.viewer || ''") != ""
    violated = any("frame-ancestors" in m for m in messages)
    check("a disallowed parent cannot frame it (CSP violation)", violated and not loaded,
          f"loaded={loaded} messages={messages[:2]}")
    for server in servers:
        server.shutdown()
    context.close()


def fallback(chromium, playwright, config):
    browser = playwright.chromium.launch(executable_path=chromium,
                                         args=["--no-sandbox", "--disable-webgl", "--disable-3d-apis"])
    page = browser.new_page()
    page.goto(config["page"])
    page.wait_for_function(READY, timeout=30000)
    state = page.evaluate("document.documentElement.dataset.viewer")
    image = page.locator("#fallback-image")
    image_loaded = page.evaluate("document.querySelector('#fallback-image').naturalWidth > 0")
    check("without WebGL the static SVG shows with a note", state == "fallback" and image.is_visible() and image_loaded
          and page.locator("#fallback-note").is_visible(), state)
    browser.close()


def revoked(browser, config):
    page = browser.new_page()
    response = page.goto(config["revoked"])
    check("a revoked share is 404", response.status == 404 and "revoked" in page.content(), str(response.status))
    page.close()


def main():
    config = json.loads(sys.argv[1])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config["chromium"], args=FLAGS)
        stats = viewer(browser, config)
        framing(browser, config)
        revoked(browser, config)
        browser.close()
        fallback(config["chromium"], p, config)
    print("stats " + json.dumps(stats))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
