// Draws graph.bin (the embed's own document, read with the viewer's data.js) with one peer
// renderer from its npm package's prebuilt file, positions given, no simulation; sets
// `data-viewer="ready"` once its first frame is drawn (a pixel read back) and answers
// `notionGraph.stats()` like the viewer, so that bench_embed.py measures both the same way.
import { parseGraph } from "./data.js";

const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const rgb = PALETTE.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
const stats = { nodes: 0, links: 0, drawnLinks: 0, firstFrameMs: null, lastFrameMs: null };
window.notionGraph = { stats: () => ({ ...stats }) };
const container = document.getElementById("graph");

const script = (src) => new Promise((resolve, reject) => {
  const element = Object.assign(document.createElement("script"), { src, onload: resolve, onerror: reject });
  document.head.append(element);
});

/** Marks the first frame done once the GPU has drawn it: one pixel read back from each WebGL
 * canvas (gl.finish() returns before Chromium's GPU process has drawn). */
function finished() {
  for (const canvas of container.querySelectorAll("canvas")) {
    const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
    gl?.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  }
  stats.firstFrameMs = stats.lastFrameMs = performance.now();
  stats.drawnLinks = stats.links;
  document.documentElement.dataset.viewer = "ready";
}

const frames = (count) => new Promise((resolve) => {
  const step = () => (count-- > 0 ? requestAnimationFrame(step) : resolve());
  step();
});

async function deckgl(graph) {
  await script("peers/deck.gl/dist.min.js");
  const { n, m, positions, links, sizes, communities, bounds } = graph;
  const ends = new Float32Array(4 * m);
  for (let k = 0; k < m; k++) {
    const s = links[2 * k], t = links[2 * k + 1];
    ends.set([positions[2 * s], positions[2 * s + 1], positions[2 * t], positions[2 * t + 1]], 4 * k);
  }
  const colours = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) colours.set(rgb[communities[i] % rgb.length], 3 * i);
  const [x0, y0, x1, y1] = bounds;
  const zoom = Math.log2(Math.min(innerWidth / (x1 - x0 || 1), innerHeight / (y1 - y0 || 1)) * 0.9);
  let done = false;
  new deck.Deck({
    parent: container,
    views: new deck.OrthographicView(),
    initialViewState: { target: [(x0 + x1) / 2, (y0 + y1) / 2, 0], zoom },
    controller: true,
    layers: [
      new deck.LineLayer({
        id: "links", data: { length: m, attributes: {
          getSourcePosition: { value: ends, size: 2, stride: 16, offset: 0 },
          getTargetPosition: { value: ends, size: 2, stride: 16, offset: 8 },
        } },
        getColor: [138, 143, 152, 90], getWidth: 1,
      }),
      new deck.ScatterplotLayer({
        id: "nodes", data: { length: n, attributes: {
          getPosition: { value: positions, size: 2 },
          getRadius: { value: sizes, size: 1 },
          getFillColor: { value: colours, size: 3 },
        } },
        radiusUnits: "pixels", radiusMinPixels: 1,
      }),
    ],
    onAfterRender: () => { if (!done) { done = true; finished(); } },
  });
}

async function cosmosgl(graph) {
  await script("peers/cosmos.gl/dist/index.min.js");
  const { n, positions, links, sizes, communities, bounds } = graph;
  const space = 8192;
  const [x0, y0, x1, y1] = bounds;
  const scale = (space * 0.9) / Math.max(x1 - x0, y1 - y0, 1e-6);
  const placed = new Float32Array(2 * n), colours = new Float32Array(4 * n), radii = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    placed[2 * i] = space * 0.05 + (positions[2 * i] - x0) * scale;
    placed[2 * i + 1] = space * 0.05 + (positions[2 * i + 1] - y0) * scale;
    const [r, g, b] = rgb[communities[i] % rgb.length];
    colours.set([r / 255, g / 255, b / 255, 1], 4 * i);
    radii[i] = 2 * sizes[i];
  }
  const view = new Cosmos.Graph(container, {
    spaceSize: space, enableSimulation: false, fitViewOnInit: true, fitViewDelay: 0,
    rescalePositions: false, linkColor: "#8a8f9859", backgroundColor: "#ffffff",
  });
  await view.ready;
  view.setPointPositions(placed);
  view.setPointColors(colours);
  view.setPointSizes(radii);
  view.setLinks(new Float32Array(links));
  view.render();
  await frames(2);
  finished();
}

async function sigmajs(graph) {
  await script("peers/graphology/dist/graphology.umd.min.js");
  await script("peers/sigma/dist/sigma.min.js");
  const { n, m, positions, links, sizes, communities } = graph;
  const nodes = new Array(n), edges = new Array(m);
  for (let i = 0; i < n; i++) {
    nodes[i] = { key: String(i), attributes: {
      x: positions[2 * i], y: -positions[2 * i + 1], size: sizes[i] / 2, color: PALETTE[communities[i] % PALETTE.length],
    } };
  }
  for (let k = 0; k < m; k++) edges[k] = { source: String(links[2 * k]), target: String(links[2 * k + 1]) };
  const network = new graphology.Graph({ multi: true });
  network.import({ nodes, edges });
  // Its constructor renders (or schedules a render for the next frame).
  new Sigma(network, container, { defaultEdgeColor: "#d7d9dc", renderLabels: false });
  await frames(2);
  finished();
}

const peers = { deck: deckgl, cosmos: cosmosgl, sigma: sigmajs };
const response = await fetch("graph.bin");
const graph = parseGraph(await response.arrayBuffer());
Object.assign(stats, { nodes: graph.n, links: graph.m });
await peers[new URLSearchParams(location.search).get("peer")](graph);
