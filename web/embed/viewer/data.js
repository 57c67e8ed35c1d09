// Reads the `bin` graph format (web/embed/FORMAT.md) as typed-array views over the fetched
// bytes, with no parsing, and builds the adjacency the viewer needs (degrees, neighbours).

const MAGIC = 0x4252474e; // "NGRB" little-endian
const HEADER = 64;
export const KIND_COMMUNITY = 5;
export const FLAG_ORPHAN = 1;
export const LINK_HIERARCHY = 0x80;

const align4 = (n) => (n + 3) & ~3;

/** The graph document at `url`, its sections as typed arrays. `credentials` is "omit" for an
 * embed (a share token is the only credential) and "same-origin" for the owner's dashboard. */
export async function loadGraph(url, credentials = "omit") {
  const response = await fetch(url, { credentials });
  if (!response.ok) throw new Error(`graph.bin: HTTP ${response.status}`);
  return parseGraph(await response.arrayBuffer());
}

export function parseGraph(buffer) {
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error("not a notion-graph bin document");
  if (view.getUint16(4, true) !== 1) throw new Error("unsupported bin format version");
  const n = view.getUint32(8, true);
  const m = view.getUint32(12, true);
  const flagsAt = HEADER + 20 * n;
  const linksAt = align4(flagsAt + n);
  return {
    n,
    m,
    version: view.getUint32(16, true),
    createdAt: view.getFloat64(24, true),
    bounds: new Float32Array(buffer, 32, 4),
    positions: new Float32Array(buffer, HEADER, 2 * n),
    sizes: new Float32Array(buffer, HEADER + 8 * n, n),
    ranks: new Float32Array(buffer, HEADER + 12 * n, n),
    communities: new Uint16Array(buffer, HEADER + 16 * n, n),
    kinds: new Uint16Array(buffer, HEADER + 18 * n, n),
    flags: new Uint8Array(buffer, flagsAt, n),
    links: new Uint32Array(buffer, linksAt, 2 * m),
    linkKinds: new Uint8Array(buffer, linksAt + 8 * m, m),
  };
}

/** Compressed adjacency (both directions): `neighbours(i)` lists node i's links' other ends. */
export function adjacency(graph) {
  const { n, m, links } = graph;
  const start = new Uint32Array(n + 1);
  for (let k = 0; k < 2 * m; k++) start[links[k] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const ends = new Uint32Array(2 * m);
  const via = new Uint32Array(2 * m);
  for (let l = 0; l < m; l++) {
    const s = links[2 * l], t = links[2 * l + 1];
    ends[fill[s]] = t; via[fill[s]++] = l;
    ends[fill[t]] = s; via[fill[t]++] = l;
  }
  return {
    degree: (i) => start[i + 1] - start[i],
    neighbours: (i) => ends.subarray(start[i], start[i + 1]),
    linksOf: (i) => via.subarray(start[i], start[i + 1]),
  };
}

/** Titles, ids and URLs by node; loaded after the first frame. A share with titles hidden
 * sends none of them: its nodes are named `n0, n1, ...` and untitled. */
export async function loadLabels(url, n, credentials = "omit") {
  const response = await fetch(url, { credentials });
  if (!response.ok) throw new Error(`labels.json: HTTP ${response.status}`);
  const labels = await response.json();
  labels.ids ??= Array.from({ length: n }, (_, i) => `n${i}`);
  labels.titles ??= new Array(n).fill("");
  labels.urls ??= [];
  return labels;
}
