// Titles drawn on a 2D canvas over the graph: largest PageRank first, never overlapping, more
// of them as you zoom in. Redrawn with the graph, only when the view is still.

import { toScreen } from "./camera.js";

const FONT_PX = 12;
const CELL = 64;

/** Node order for labelling: highest rank first (super-nodes by size). */
export function labelOrder(graph) {
  const order = Array.from({ length: graph.n }, (_, i) => i);
  const weight = (i) => graph.ranks[i] || graph.sizes[i] * 1e-3;
  order.sort((a, b) => weight(b) - weight(a) || a - b);
  return Uint32Array.from(order);
}

/** How many labels the zoom level allows. */
function allowance(camera) {
  const zoom = camera.scale / camera.fitScale;
  return Math.min(400, Math.round(12 * zoom * zoom + 8));
}

/**
 * Draws the labels of `order` that fit: `title(i)` gives a node's text ("" skips it),
 * `visible(i)` whether it is shown. Returns how many were drawn.
 */
export function drawLabels(canvas, { graph, camera, order, title, visible, colour, halo, ratio, emphasised }) {
  const context = canvas.getContext("2d");
  const width = canvas.width / ratio, height = canvas.height / ratio;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.font = `${FONT_PX}px system-ui, sans-serif`;
  context.textBaseline = "middle";
  context.lineWidth = 3;
  context.strokeStyle = halo;
  context.fillStyle = colour;
  const grid = new Map();
  const free = (box) => {
    for (let gx = Math.floor(box[0] / CELL); gx <= Math.floor(box[2] / CELL); gx++) {
      for (let gy = Math.floor(box[1] / CELL); gy <= Math.floor(box[3] / CELL); gy++) {
        for (const other of grid.get(gx * 65536 + gy) || []) {
          if (box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3]) return false;
        }
      }
    }
    return true;
  };
  const take = (box) => {
    for (let gx = Math.floor(box[0] / CELL); gx <= Math.floor(box[2] / CELL); gx++) {
      for (let gy = Math.floor(box[1] / CELL); gy <= Math.floor(box[3] / CELL); gy++) {
        const key = gx * 65536 + gy;
        if (!grid.has(key)) grid.set(key, []);
        grid.get(key).push(box);
      }
    }
  };
  const place = (i) => {
    if (!visible(i)) return false;
    const text = title(i);
    if (!text) return false;
    const [sx, sy] = toScreen(camera, graph.positions[2 * i], graph.positions[2 * i + 1], width, height);
    if (sx < -200 || sy < -20 || sx > width + 20 || sy > height + 20) return false;
    const x = sx + 6, label = text.length > 40 ? `${text.slice(0, 39)}…` : text;
    const box = [x - 2, sy - FONT_PX / 2 - 2, x + context.measureText(label).width + 2, sy + FONT_PX / 2 + 2];
    if (!free(box)) return false;
    take(box);
    context.strokeText(label, x, sy);
    context.fillText(label, x, sy);
    return true;
  };
  let drawn = 0;
  for (const i of emphasised) if (place(i)) drawn++;
  const limit = drawn + allowance(camera);
  for (let k = 0; k < order.length && drawn < limit; k++) if (place(order[k])) drawn++;
  return drawn;
}

export function clearLabels(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}
