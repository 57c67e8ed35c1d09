// The embed viewer: loads the graph (typed arrays, no parsing), draws it with WebGL2 only when
// something changed, on a frame budget while the view moves (a prefix of the links, which come
// most important first) and in full once it is still, then loads the titles for labels,
// search and the card. Test hook: `document.documentElement.dataset.viewer` ("loading", then
// "ready" after the first complete frame, or "fallback") and `window.notionGraph`.
//
// The page provides `#viewer` with the data URLs in its dataset and the controls by id; the
// canvas fills its parent. The embed page is one such page; the owner's graph page in the
// dashboard is another: it sets `data-credentials="same-origin"` (its data routes take the
// session) and the preset theme "page", and talks to the viewer with DOM events on `#viewer`:
// the viewer sends `viewer:selected` ({detail: {id}}, id null when cleared) and `viewer:view`
// ({detail: preset}, the state as a share preset, whenever it changes) and obeys
// `viewer:select` ({detail: {id}}). Optional controls, bound when the page has them: `#show-labels`
// (titles on or off), `#download-png` (the view as a PNG) and, with `data-changes` (the graph
// API's diff), `#show-changes` (ring the pages it touches).

import { clipTransform, centreOn, fit, pan, sizeScale, toScreen, toWorld, zoomAt } from "./camera.js";
import { createCard } from "./card.js";
import { adjacency, KIND_COMMUNITY, loadGraph, loadLabels } from "./data.js";
import { showFallback } from "./fallback.js";
import { readFragment } from "./fragment.js";
import { neighbourhood, nodeColours, visibleLinks, visibleNodes } from "./filters.js";
import { bindInput } from "./input.js";
import { clearLabels, drawLabels, labelOrder } from "./labels.js";
import { createLegend } from "./legend.js";
import { bindMarks } from "./marks.js";
import { composite, savePng } from "./picture.js";
import { createPicker } from "./picking.js";
import { KIND_NAMES, presetOf } from "./preset.js";
import { createRenderer } from "./renderer.js";
import { createSearch } from "./search.js";
import { createState } from "./state.js";
import { colourOf, currentTheme, presetTheme, themeName } from "./theme.js";
import { offerNewer } from "./versions.js";

/** The budgeted frame aims at this many milliseconds. */
const TARGET_MS = 40;
/** Quiet time after the last move before the full frame. */
const SETTLE_MS = 160;
const PICK_PX = 10;

const html = document.documentElement;
const root = document.getElementById("viewer");
const fragment = readFragment(window.location.hash);
const preset = { ...JSON.parse(root.dataset.preset || "{}"), ...fragment.overrides };
const stats = { nodes: 0, links: 0, drawnLinks: 0, highlighted: 0, marked: 0, firstFrameMs: null, lastFrameMs: null };
let labelledNow;
const whenLabelled = new Promise((resolve) => { labelledNow = resolve; });
const credentials = root.dataset.credentials || "omit";
html.dataset.viewer = "loading";
if (preset.theme !== "page") html.dataset.theme = themeName(preset.theme);

window.notionGraph = {
  stats: () => ({ ...stats }),
  select: async (id) => (await whenLabelled)?.select(id) ?? false,
  search: async (text) => (await whenLabelled)?.search(text) ?? null,
  project: async (id) => (await whenLabelled)?.project(id) ?? null,
  view: async () => (await whenLabelled)?.view() ?? null,
};

boot().catch((error) => {
  console.error(error);
  showFallback(root, "The interactive view could not start: showing a summary.");
});

async function boot() {
  const canvas = root.querySelector("#graph");
  const overlay = Object.assign(document.createElement("canvas"), { id: "labels" });
  overlay.setAttribute("aria-hidden", "true");
  canvas.after(overlay);
  const viewer = {};
  const renderer = createRenderer(canvas, {
    onLost: () => { viewer.lost = true; },
    onRestored: () => { viewer.lost = false; viewer.invalidate?.(false); },
  });
  if (!renderer) return showFallback(root, null);
  const graph = await loadGraph(root.dataset.graph, credentials);
  Object.assign(stats, { nodes: graph.n, links: graph.m });
  renderer.upload(graph);
  start({ canvas, overlay, renderer, graph, viewer });
}

function start({ canvas, overlay, renderer, graph, viewer }) {
  const state = createState(preset);
  const near = adjacency(graph);
  const pick = createPicker(graph);
  const order = labelOrder(graph);
  const filters = state.filters;
  let labels = null, lowered = [], shown = null, budget = 0, pending = false, settle = 0;
  let size = { width: 1, height: 1, ratio: 1 };
  initialFilters(graph, filters);
  if (preset.local_depth !== undefined) filters.depth = preset.local_depth;

  const refilter = () => {
    shown = visibleNodes(graph, near, filters, state.selected);
    renderer.setColours(nodeColours(graph, shown));
    renderer.setLinks(visibleLinks(graph, shown, filters.hideHierarchy));
    highlight();
    stats.marked = viewer.marks?.count(shown) ?? 0;
    describe();
  };
  const describe = () => {
    const detail = presetOf({ graph, state, idOf: (i) => labels?.ids[i] ?? null, theme: presetTheme(preset.theme) });
    root.dispatchEvent(new CustomEvent("viewer:view", { detail }));
    return detail;
  };
  const highlight = () => {
    const focus = state.hovered >= 0 ? state.hovered : state.selected;
    const part = focus >= 0 && shown[focus]
      ? neighbourhood(graph, near, shown, focus, filters.hideHierarchy)
      : { nodes: new Uint32Array(0), pairs: new Uint32Array(0) };
    renderer.setHighlight(part.nodes, part.pairs);
    stats.highlighted = part.nodes.length;
  };
  const invalidate = (moving) => {
    if (moving) {
      state.interacting = true;
      clearTimeout(settle);
      settle = setTimeout(() => { state.interacting = false; invalidate(false); }, SETTLE_MS);
    }
    if (!pending) { pending = true; requestAnimationFrame(frame); }
  };
  viewer.invalidate = invalidate;

  function frame() {
    pending = false;
    if (viewer.lost) return;
    const theme = currentTheme(preset.theme);
    const full = !state.interacting;
    const visible = renderer.linkCount();
    const result = renderer.draw({
      view: clipTransform(state.camera, size.width, size.height),
      size: sizeScale(state.camera),
      ratio: size.ratio,
      linkCount: full ? visible : Math.max(1, Math.min(budget || visible, visible)),
      background: theme.background, link: theme.link, highlight: theme.highlight,
      marks: viewer.marks?.on() ? theme.marks : null,
    });
    stats.lastFrameMs = result.ms;
    stats.drawnLinks = result.drawnLinks;
    budget = adapt(budget, result, visible);
    if (!full) return clearLabels(overlay);
    drawTitles(theme);
    if (stats.firstFrameMs === null) {
      stats.firstFrameMs = performance.now();
      html.dataset.viewer = "ready";
      loadLabels(root.dataset.labels, graph.n, credentials).then(labelled).then(labelledNow, (error) => {
        console.error(error);
        labelledNow(null);
      });
    }
  }

  function drawTitles(theme) {
    if (!labels || !state.labels) return clearLabels(overlay);
    const emphasised = [state.selected, state.hovered, ...(viewer.marks?.named() ?? [])].filter((i) => i >= 0);
    drawLabels(overlay, {
      graph, camera: state.camera, order, ratio: size.ratio, emphasised,
      title: (i) => titleOf(i), visible: (i) => shown[i] === 1,
      colour: theme.text, halo: theme.halo,
    });
  }

  const titleOf = (i) => {
    if (!labels) return "";
    if (graph.kinds[i] === KIND_COMMUNITY) {
      return labels.communities.find((c) => c.id === graph.communities[i])?.label || "";
    }
    return labels.titles[i] || "";
  };

  const card = createCard({ root: root.querySelector("#card"), onClose: () => select(-1) });
  function select(i, jump = false) {
    state.selected = i;
    if (filters.depth > 0) refilter(); else highlight();
    root.dispatchEvent(new CustomEvent("viewer:selected", { detail: { id: i >= 0 ? labels?.ids[i] ?? null : null } }));
    if (i < 0) card.hide();
    else {
      const kindName = labels?.node_kinds?.[graph.kinds[i]] || "page";
      card.show({ text: titleOf(i), kindName, degree: near.degree(i), href: labels?.urls?.[i] || null });
      announce(`Selected ${titleOf(i) || kindName}`);
    }
    if (jump && i >= 0) centreOn(state.camera, graph.positions[2 * i], graph.positions[2 * i + 1], 3);
    describe();
    invalidate(false);
  }

  function labelled(loaded) {
    labels = loaded;
    lowered = labels.titles.map((t) => t.toLowerCase());
    const search = createSearch({
      input: root.querySelector("#search"),
      list: root.querySelector("#suggestions"),
      index: { title: (i) => titleOf(i), lowered: () => lowered, ranks: graph.ranks },
      onPick: (i) => select(i, true),
    });
    viewer.focusSearch = search.focus;
    legend();
    invalidate(false);
    const byId = new Map(labels.ids.map((id, i) => [id, i]));
    viewer.marks = bindMarks({
      button: root.querySelector("#show-changes"), url: root.dataset.changes, credentials, renderer,
      indexOf: (id) => byId.get(id),
      onChange: () => { stats.marked = viewer.marks.count(shown); invalidate(false); },
    });
    root.addEventListener("viewer:select", (event) => select(byId.get(event.detail?.id) ?? -1, true));
    if (fragment.select && byId.has(fragment.select)) select(byId.get(fragment.select), true);
    else if (fragment.search) search.search(fragment.search);
    return {
      select: (id) => { const i = byId.get(id) ?? -1; select(i, true); return i >= 0; },
      search: (text) => { const i = search.search(text); return i >= 0 ? labels.ids[i] : null; },
      project: (id) => project(byId.get(id)),
      view: describe,
    };
  }

  const legend = () => createLegend({
    kindsList: root.querySelector("#legend-kinds"),
    communitiesList: root.querySelector("#legend-communities"),
    graph, labels, filters, onChange: () => { refilter(); invalidate(false); },
  });

  function project(i) {
    if (i === undefined || i < 0) return null;
    const box = root.querySelector("#graph").getBoundingClientRect();
    const [x, y] = toScreen(state.camera, graph.positions[2 * i], graph.positions[2 * i + 1], size.width, size.height);
    const radius = Math.min(Math.max(graph.sizes[i] * sizeScale(state.camera), 2), 64) / 2;
    return { x: box.left + x, y: box.top + y, radius, colour: colourOf(graph.communities[i]) };
  }

  const pointAt = ([x, y]) => {
    const [wx, wy] = toWorld(state.camera, x, y, size.width, size.height);
    return pick(wx, wy, PICK_PX / state.camera.scale, (i) => shown[i] === 1);
  };
  bindInput(canvas, {
    pan: (dx, dy) => { pan(state.camera, dx, dy); invalidate(true); },
    zoom: (factor, x, y) => { zoomAt(state.camera, factor, x, y, size.width, size.height); invalidate(true); },
    zoomCentre: (factor) => { zoomAt(state.camera, factor, size.width / 2, size.height / 2, size.width, size.height); invalidate(true); },
    fit: () => { fit(state.camera, graph.bounds, size.width, size.height); invalidate(false); },
    hover: (at) => {
      const i = at ? pointAt(at) : -1;
      if (i === state.hovered) return;
      state.hovered = i;
      canvas.style.cursor = i >= 0 ? "pointer" : "";
      highlight();
      invalidate(true);
    },
    click: (at) => select(pointAt(at)),
    settle: () => invalidate(false),
    focusSearch: () => viewer.focusSearch?.(),
    clear: () => select(-1),
  });
  controls(state, graph, { refilter, invalidate, select, size: () => size });
  bindExtras(state, { invalidate, describe, picture: () => {
    state.interacting = false;
    frame(); // and read it back in this same task, before the browser clears the buffer
    return composite(canvas, overlay);
  } });
  updatedAgo(root.querySelector("#updated"));
  offerNewer({
    url: root.dataset.versions, shown: Number(root.dataset.version),
    button: root.querySelector("#newer"), announce,
  });

  const stage = canvas.parentElement;
  new ResizeObserver(() => {
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const width = Math.max(1, stage.clientWidth), height = Math.max(1, stage.clientHeight);
    const first = size.width === 1;
    size = { width, height, ratio };
    for (const c of [canvas, overlay]) { c.width = Math.round(width * ratio); c.height = Math.round(height * ratio); }
    if (first) fit(state.camera, graph.bounds, width, height);
    invalidate(false);
  }).observe(stage);
  new MutationObserver(() => { describe(); invalidate(false); }).observe(html, { attributeFilter: ["data-theme"] });
  refilter();
}

/** The preset's kinds and communities, as the hidden sets the legend toggles. */
function initialFilters(graph, filters) {
  const wantedKinds = new Set((preset.kinds || []).map((k) => KIND_NAMES.indexOf(k)));
  const wantedCommunities = new Set(preset.communities || []);
  for (let i = 0; i < graph.n; i++) {
    if (wantedKinds.size && graph.kinds[i] !== KIND_COMMUNITY && !wantedKinds.has(graph.kinds[i])) filters.hiddenKinds.add(graph.kinds[i]);
    if (wantedCommunities.size && !wantedCommunities.has(graph.communities[i])) filters.hiddenCommunities.add(graph.communities[i]);
  }
}

/** Links per budgeted frame: scaled so that the next one takes about TARGET_MS. */
function adapt(budget, result, visible) {
  if (result.ms <= 0 || result.drawnLinks === 0) return budget;
  const perLink = result.ms / result.drawnLinks;
  const next = Math.floor(TARGET_MS / perLink);
  return Math.max(1000, Math.min(visible, next));
}

function controls(state, graph, { refilter, invalidate, select, size }) {
  const button = (id, action) => root.querySelector(`#${id}`).addEventListener("click", action);
  const toggle = (id, key) => {
    const element = root.querySelector(`#${id}`);
    element.setAttribute("aria-pressed", String(state.filters[key]));
    element.addEventListener("click", () => {
      state.filters[key] = !state.filters[key];
      element.setAttribute("aria-pressed", String(state.filters[key]));
      refilter();
      invalidate(false);
    });
  };
  const zoom = (factor) => () => {
    const { width, height } = size();
    zoomAt(state.camera, factor, width / 2, height / 2, width, height);
    invalidate(false);
  };
  button("zoom-in", zoom(1.5));
  button("zoom-out", zoom(1 / 1.5));
  button("fit", () => { const { width, height } = size(); fit(state.camera, graph.bounds, width, height); invalidate(false); });
  toggle("hide-hierarchy", "hideHierarchy");
  toggle("hide-orphans", "hideOrphans");
  const depth = root.querySelector("#depth");
  depth.value = String(state.filters.depth);
  depth.addEventListener("change", () => {
    state.filters.depth = Number(depth.value);
    refilter();
    select(state.selected);
  });
}

/** The optional controls: titles on or off, and the PNG download. */
function bindExtras(state, { invalidate, describe, picture }) {
  const titles = root.querySelector("#show-labels");
  if (titles) {
    titles.setAttribute("aria-pressed", String(state.labels));
    titles.addEventListener("click", () => {
      state.labels = !state.labels;
      titles.setAttribute("aria-pressed", String(state.labels));
      describe();
      invalidate(false);
    });
  }
  const png = root.querySelector("#download-png");
  if (png) {
    png.hidden = false;
    png.addEventListener("click", () => savePng(picture(), png.dataset.file || "graph.png"));
  }
}

function announce(text) {
  root.querySelector("#announce").textContent = text;
}

/** "Updated 5 minutes ago", kept current once a minute. */
function updatedAgo(element) {
  const at = Number(element.dataset.at);
  const say = () => {
    const minutes = Math.max(0, Math.round((Date.now() - at) / 60000));
    const [value, unit] = minutes < 60 ? [minutes, "minute"] : minutes < 2880 ? [Math.round(minutes / 60), "hour"] : [Math.round(minutes / 1440), "day"];
    element.textContent = value === 0 ? "Updated just now" : `Updated ${value} ${unit}${value === 1 ? "" : "s"} ago`;
    element.title = new Date(at).toLocaleString();
  };
  say();
  setInterval(say, 60000);
}
