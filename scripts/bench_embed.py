"""Measures the embed viewer in headless Chromium (Debian's, through playwright): bytes
transferred, time from navigation to `ready`, JS heap (at ready, and the peak of samples
taken every 100 ms until then), and frame times while panning (the budgeted frame) and once
still (the full frame). With --peers, the same for deck.gl, cosmos.gl and sigma.js drawing the
same graph.bin (scripts/bench-peers/, served here with gzip like ours). Called by
scripts/bench-embed.

usage: bench_embed.py CHROMIUM LABEL URL [RUNS]   (prints one TSV row per run)
       bench_embed.py --peers CHROMIUM SIZE GRAPH_BIN PEERS_DIR [RUNS] [PEER...]
"""

import gzip
import http.server
import json
import pathlib
import sys
import threading
import time

from playwright.sync_api import Error, sync_playwright

FLAGS = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
         "--disable-background-networking", "--enable-precise-memory-info"]
READY = "() => document.documentElement.dataset.viewer === 'ready'"


def transferred(page):
    return page.evaluate("""() => performance.getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource'))
        .reduce((sum, e) => sum + (e.transferSize || 0), 0)""")


def pan(page, steps=12):
    """Drags across the canvas; returns the frame times and links drawn while moving."""
    frames = []
    page.mouse.move(450, 300)
    page.mouse.down()
    for k in range(steps):
        page.mouse.move(450 + 20 * (k + 1), 300 + 8 * (k + 1))
        page.wait_for_timeout(60)
        frames.append(page.evaluate("notionGraph.stats()"))
    page.mouse.up()
    return frames


def wait_ready(page, cdp, timeout_s=900):
    """Waits for `ready`, sampling the used JS heap; returns its peak in bytes."""
    peak, deadline = 0, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            peak = max(peak, cdp.send("Runtime.getHeapUsage")["usedSize"])
            if page.evaluate(READY):
                return peak
        except Error:  # the document is not there yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"not ready within {timeout_s} s")


def run(browser, url, moves=True):
    context = browser.new_context(viewport={"width": 900, "height": 600})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url, wait_until="commit")
    peak = wait_ready(page, cdp)
    stats = page.evaluate("notionGraph.stats()")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    row = {
        "nodes": stats["nodes"], "links": stats["links"],
        "bytes": transferred(page),
        "ready_ms": round(stats["firstFrameMs"]),
        "heap_mb": round(metrics.get("JSHeapUsedSize", 0) / 1e6, 1),
        "peak_heap_mb": round(max(peak, metrics.get("JSHeapUsedSize", 0)) / 1e6, 1),
    }
    if moves:
        moving = pan(page)
        page.wait_for_timeout(400)
        still = page.evaluate("notionGraph.stats()")
        budgeted = [f["lastFrameMs"] for f in moving if f["drawnLinks"] < f["links"]]
        row.update({
            "budget_frame_ms": round(sorted(budgeted)[len(budgeted) // 2], 1) if budgeted else None,
            "budget_links": moving[-1]["drawnLinks"],
            "full_frame_ms": round(still["lastFrameMs"], 1),
        })
    context.close()
    return row


def serve_peers(graph_bin, peers_dir):
    """Serves the peer harness, the viewer's data.js, graph.bin and the peers' files (gzip
    when asked, like ours) from a free loopback port; returns its base URL."""
    here = pathlib.Path(__file__).resolve().parent
    files = {
        "/index.html": here / "bench-peers/index.html",
        "/peers.js": here / "bench-peers/peers.js",
        "/data.js": here.parent / "web/embed/viewer/data.js",
        "/graph.bin": pathlib.Path(graph_bin),
    }
    types = {".html": "text/html", ".js": "text/javascript", ".bin": "application/octet-stream"}
    cache = {}

    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            file = files.get(path)
            if file is None and path.startswith("/peers/"):
                name, _, rest = path[len("/peers/"):].partition("/")
                file = pathlib.Path(peers_dir) / name / "package" / rest
            if file is None or not file.is_file():
                self.send_error(404)
                return
            if file not in cache:
                raw = file.read_bytes()
                cache[file] = (raw, gzip.compress(raw, 6))
            raw, packed = cache[file]
            zipped = "gzip" in self.headers.get("Accept-Encoding", "")
            body = packed if zipped else raw
            self.send_response(200)
            self.send_header("Content-Type", types.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def measure(chromium, label, url, runs, moves=True):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        for _ in range(runs):
            try:
                row = run(browser, url, moves)
            except Exception as error:  # a peer that fails or times out is a figure too
                row = {"failed": str(error).splitlines()[0][:200]}
            print(label + "\t" + json.dumps(row), flush=True)
        browser.close()


def main():
    if sys.argv[1] == "--peers":
        chromium, size, graph_bin, peers_dir = sys.argv[2:6]
        runs = int(sys.argv[6]) if len(sys.argv) > 6 else 1
        base = serve_peers(graph_bin, peers_dir)
        for peer in sys.argv[7:] or ["deck", "cosmos", "sigma"]:
            measure(chromium, f"{peer}-{size}", f"{base}/index.html?peer={peer}", runs, moves=False)
        return
    chromium, label, url = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    measure(chromium, label, url, runs)


if __name__ == "__main__":
    main()
