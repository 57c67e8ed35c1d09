"""Measures the embed viewer in headless Chromium (Debian's, through playwright): bytes
transferred, time from navigation to `ready`, JS heap, and frame times while panning (the
budgeted frame) and once still (the full frame). Called by scripts/bench-embed.

usage: bench_embed.py CHROMIUM LABEL URL [RUNS]   (prints one TSV row per run)
"""

import json
import sys

from playwright.sync_api import sync_playwright

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


def run(browser, url):
    context = browser.new_context(viewport={"width": 900, "height": 600})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url)
    page.wait_for_function(READY, timeout=600000)
    stats = page.evaluate("notionGraph.stats()")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    moving = pan(page)
    page.wait_for_timeout(400)
    still = page.evaluate("notionGraph.stats()")
    budgeted = [f["lastFrameMs"] for f in moving if f["drawnLinks"] < f["links"]]
    row = {
        "nodes": stats["nodes"], "links": stats["links"],
        "bytes": transferred(page),
        "ready_ms": round(stats["firstFrameMs"]),
        "heap_mb": round(metrics.get("JSHeapUsedSize", 0) / 1e6, 1),
        "budget_frame_ms": round(sorted(budgeted)[len(budgeted) // 2], 1) if budgeted else None,
        "budget_links": moving[-1]["drawnLinks"],
        "full_frame_ms": round(still["lastFrameMs"], 1),
    }
    context.close()
    return row


def main():
    chromium, label, url = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        for _ in range(runs):
            print(label + "\t" + json.dumps(run(browser, url)), flush=True)
        browser.close()


if __name__ == "__main__":
    main()
