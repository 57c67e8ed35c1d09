#!/usr/bin/env python3
"""Peer figures for the graph-engine metrics, on the same edge-list files as `bench-metrics`.

usage: bench_graph_peers.py EDGES [--membership FILE] [--seed N] [--tasks pagerank,louvain,...]

Prints one tab-separated line per task in the format of `bench-metrics`, e.g.
`igraph\tpagerank\ttime_s=0.16\tcpu_s=0.16`. Needs igraph and graspologic-native
(`.venv-bench`, see shared/bench/README.md). PageRank reads the file as directed arcs `u -> v`
(the service's page links); the community tasks read it as undirected, as `bench-metrics` does.
igraph's Leiden runs 2 iterations (as ours by default; until convergence it takes minutes on
BA graphs); graspologic runs its default single iteration.
"""
import argparse
import time

import igraph as ig

ALL_TASKS = "pagerank,pagerank_undirected,louvain,ig_leiden,graspologic_leiden,components,betweenness64"


def read_edges(path):
    edges = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                u, v = line.split()[:2]
                edges.append((int(u), int(v)))
    n = 1 + max(max(e) for e in edges)
    return n, edges


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def emit(peer, task, wall, cpu, **extra):
    fields = [peer, task, f"time_s={wall:.4f}", f"cpu_s={cpu:.4f}"]
    fields += [f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items()]
    print("\t".join(fields), flush=True)


def quality(graph, membership, truth):
    extra = {"modularity": graph.modularity(membership), "communities": max(membership) + 1}
    if truth is not None:
        extra["nmi"] = ig.compare_communities(membership, truth, method="nmi")
        extra["ari"] = ig.compare_communities(membership, truth, method="ari")
    return extra


def run(task, n, edges, truth, seed):
    undirected = ig.Graph(n=n, edges=edges, directed=False).simplify()
    if task == "pagerank":
        directed = ig.Graph(n=n, edges=edges, directed=True)
        _, wall, cpu = timed(lambda: directed.pagerank(damping=0.85))
        emit("igraph", task, wall, cpu)
    elif task == "pagerank_undirected":
        _, wall, cpu = timed(lambda: undirected.pagerank(damping=0.85))
        emit("igraph", task, wall, cpu)
    elif task == "louvain":
        clusters, wall, cpu = timed(lambda: undirected.community_multilevel())
        emit("igraph", task, wall, cpu, **quality(undirected, clusters.membership, truth))
    elif task == "ig_leiden":
        run_leiden = lambda: undirected.community_leiden(objective_function="modularity", n_iterations=2)
        clusters, wall, cpu = timed(run_leiden)
        emit("igraph", "leiden", wall, cpu, **quality(undirected, clusters.membership, truth))
    elif task == "graspologic_leiden":
        import graspologic_native as gn

        weighted = [(str(u), str(v), 1.0) for u, v in edges]
        (_, parts), wall, cpu = timed(lambda: gn.leiden(edges=weighted, seed=seed))
        membership = [parts.get(str(v), 0) for v in range(n)]
        emit("graspologic", "leiden", wall, cpu, **quality(undirected, membership, truth))
    elif task == "components":
        clusters, wall, cpu = timed(lambda: undirected.connected_components())
        emit("igraph", task, wall, cpu, components=len(clusters))
    elif task == "betweenness64":
        # igraph has no sampled betweenness; a 64-source subset is the same work as ours.
        import random

        sources = random.Random(seed).sample(range(n), min(64, n))
        _, wall, cpu = timed(lambda: undirected.betweenness(sources=sources, targets=None))
        emit("igraph", task, wall, cpu)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("edges")
    parser.add_argument("--membership")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tasks", default=ALL_TASKS)
    args = parser.parse_args()
    n, edges = read_edges(args.edges)
    truth = None
    if args.membership:
        with open(args.membership) as f:
            truth = [int(line) for line in f if line.strip()]
    for task in args.tasks.split(","):
        run(task, n, edges, truth, args.seed)


if __name__ == "__main__":
    main()
