"""The server's own side of scripts/bench-pages: its request-latency histogram (`/metrics`,
timed from the request's arrival in the app to its response) for each benchmarked page. On
a machine where k6 shares the cores with the server, k6's figures include the time a ready
request waits for a core; these do not. Bucket bounds, so a quantile is "at most"."""

import sys
import urllib.request

PAGES = {"home": "/", "workspace": "/workspaces/{id}", "account": "/account"}
PREFIX = "notion_graph_http_request_duration_seconds_bucket{"


def buckets(metrics, route):
    """(upper bound in seconds, cumulative count) of GET `route` answered 200."""
    labels = f'method="GET",route="{route}",status="200"'
    found = []
    for line in metrics.splitlines():
        if line.startswith(PREFIX) and labels in line:
            le = line.split('le="')[1].split('"')[0]
            found.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    return sorted(found)


def at_most(found, quantile):
    total = found[-1][1]
    return next(bound for bound, count in found if count >= quantile * total)


def main(base):
    metrics = urllib.request.urlopen(f"{base}/metrics").read().decode()
    for name, route in PAGES.items():
        found = buckets(metrics, route)
        if not found or found[-1][1] == 0:
            print(f"server    {name:<9} no requests recorded")
            continue
        total = found[-1][1]
        within = next(count for bound, count in found if bound >= 0.025) / total
        p50, p99 = (at_most(found, q) * 1000 for q in (0.5, 0.99))
        print(f"server    {name:<9} p50 <= {p50:g} ms, p99 <= {p99:g} ms, "
              f"{within * 100:.1f} % within 25 ms ({total:.0f} requests)")


if __name__ == "__main__":
    main(sys.argv[1])
