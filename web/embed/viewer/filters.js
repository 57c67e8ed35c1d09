// What is shown, as a pure function of the graph and the filters: which nodes (kinds,
// communities, orphans, the local graph around the selection), their colours, and which links
// (between shown nodes, without hierarchy links if hidden), still most important first.

import { FLAG_ORPHAN, LINK_HIERARCHY } from "./data.js";
import { PALETTE_RGB } from "./theme.js";

/** 1 for each node the filters show. */
export function visibleNodes(graph, adjacency, filters, selected) {
  const { n, kinds, communities, flags } = graph;
  const shown = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    shown[i] = filters.hiddenKinds.has(kinds[i]) || filters.hiddenCommunities.has(communities[i])
      || (filters.hideOrphans && flags[i] & FLAG_ORPHAN) ? 0 : 1;
  }
  if (filters.depth > 0 && selected >= 0) return local(graph, adjacency, filters, shown, selected);
  return shown;
}

/** The shown nodes within `depth` links of `root` (through shown nodes only). */
function local(graph, adjacency, filters, shown, root) {
  const near = new Uint8Array(graph.n);
  near[root] = 1;
  let frontier = [root];
  for (let step = 0; step < filters.depth && frontier.length; step++) {
    const next = [];
    for (const i of frontier) {
      const ends = adjacency.neighbours(i), via = adjacency.linksOf(i);
      for (let k = 0; k < ends.length; k++) {
        const j = ends[k];
        if (near[j] || !shown[j]) continue;
        if (filters.hideHierarchy && graph.linkKinds[via[k]] & LINK_HIERARCHY) continue;
        near[j] = 1;
        next.push(j);
      }
    }
    frontier = next;
  }
  return near;
}

/** The links between shown nodes, in the document's order (most important first). */
export function visibleLinks(graph, shown, hideHierarchy) {
  const { m, links, linkKinds } = graph;
  const pairs = new Uint32Array(2 * m);
  let count = 0;
  for (let l = 0; l < m; l++) {
    const s = links[2 * l], t = links[2 * l + 1];
    if (!shown[s] || !shown[t] || (hideHierarchy && linkKinds[l] & LINK_HIERARCHY)) continue;
    pairs[2 * count] = s;
    pairs[2 * count + 1] = t;
    count++;
  }
  return pairs.subarray(0, 2 * count);
}

/** RGBA bytes per node: its community's colour, alpha 0 when hidden. */
export function nodeColours(graph, shown) {
  const colours = new Uint8Array(4 * graph.n);
  for (let i = 0; i < graph.n; i++) {
    const [r, g, b] = PALETTE_RGB[graph.communities[i] % PALETTE_RGB.length];
    colours.set([r, g, b, shown[i] ? 255 : 0], 4 * i);
  }
  return colours;
}

/** The node and its shown neighbours, and the links to them, for the highlight layer. */
export function neighbourhood(graph, adjacency, shown, i, hideHierarchy) {
  const nodes = [i], pairs = [];
  const ends = adjacency.neighbours(i), via = adjacency.linksOf(i);
  for (let k = 0; k < ends.length; k++) {
    const j = ends[k];
    if (!shown[j] || (hideHierarchy && graph.linkKinds[via[k]] & LINK_HIERARCHY)) continue;
    nodes.push(j);
    pairs.push(i, j);
  }
  return { nodes: Uint32Array.from(nodes), pairs: Uint32Array.from(pairs) };
}
