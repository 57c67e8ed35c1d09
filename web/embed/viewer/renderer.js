// The WebGL2 side: one context, the graph's buffers, and one draw call per layer (links, nodes,
// the marked nodes ringed, then the highlighted links and nodes on top). It keeps the arrays it was given, so that a
// lost context is rebuilt as it was when the browser restores it.

import { buffer } from "./gl/program.js";
import { drawLines, linesProgram } from "./gl/lines.js";
import { drawPoints, pointsProgram } from "./gl/points.js";

export function createRenderer(canvas, { onLost, onRestored }) {
  const options = { antialias: true, alpha: false, premultipliedAlpha: false };
  const gl = canvas.getContext("webgl2", options);
  if (!gl) return null;
  const none = new Uint32Array(0);
  const kept = { graph: null, colours: null, links: null, nodes: none, near: none, marks: [none, none] };
  let parts = null;
  const pixel = new Uint8Array(4);

  function build() {
    parts = { points: pointsProgram(gl), lines: linesProgram(gl), vao: gl.createVertexArray() };
    if (kept.graph) upload(kept.graph);
    if (kept.colours) setColours(kept.colours);
    if (kept.links) setLinks(kept.links);
    setHighlight(kept.nodes, kept.near);
    setMarks(...kept.marks);
  }

  function upload(graph) {
    kept.graph = graph;
    gl.bindVertexArray(parts.vao);
    parts.position = buffer(gl, gl.ARRAY_BUFFER, graph.positions);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    parts.size = buffer(gl, gl.ARRAY_BUFFER, graph.sizes);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribPointer(1, 1, gl.FLOAT, false, 0, 0);
    parts.colour = buffer(gl, gl.ARRAY_BUFFER, new Uint8Array(4 * graph.n), gl.DYNAMIC_DRAW);
    gl.enableVertexAttribArray(2);
    gl.vertexAttribPointer(2, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  }

  /** Colour and visibility of every node, rgba bytes (alpha 0 hides). */
  function setColours(colours) {
    kept.colours = colours;
    gl.bindBuffer(gl.ARRAY_BUFFER, parts.colour);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, colours);
  }

  /** The links to draw, as node pairs, most important first. */
  function setLinks(pairs) {
    kept.links = pairs;
    gl.bindVertexArray(parts.vao);
    if (parts.links) gl.deleteBuffer(parts.links);
    parts.links = buffer(gl, gl.ELEMENT_ARRAY_BUFFER, pairs);
    parts.linkCount = pairs.length / 2;
  }

  /** Nodes and links drawn on top (the hovered or selected node and its neighbours). */
  function setHighlight(nodes, links) {
    kept.nodes = nodes;
    kept.near = links;
    gl.bindVertexArray(parts.vao);
    for (const name of ["hlNodes", "hlLinks"]) if (parts[name]) gl.deleteBuffer(parts[name]);
    parts.hlNodes = buffer(gl, gl.ELEMENT_ARRAY_BUFFER, nodes.length ? nodes : new Uint32Array(1));
    parts.hlLinks = buffer(gl, gl.ELEMENT_ARRAY_BUFFER, links.length ? links : new Uint32Array(2));
    parts.hlNodeCount = nodes.length;
    parts.hlLinkCount = links.length / 2;
  }

  /** Nodes ringed when the frame asks for marks: two groups (the dashboard's added pages and
   * pages whose links changed), each ringed in its own colour. */
  function setMarks(...groups) {
    kept.marks = groups;
    for (const mark of parts.marks || []) gl.deleteBuffer(mark.buffer);
    parts.marks = groups.map((nodes) => ({
      buffer: buffer(gl, gl.ELEMENT_ARRAY_BUFFER, nodes.length ? nodes : new Uint32Array(1)),
      count: nodes.length,
    }));
  }

  /** Rings, then the marked nodes over them at full strength. */
  function drawMarks(points, colours) {
    parts.marks.forEach((mark, k) => {
      drawPoints(gl, parts.points, { ...points, alpha: 1, grow: RING_PX, tint: colours[k] }, 0, mark.buffer, mark.count);
    });
    for (const mark of parts.marks) drawPoints(gl, parts.points, { ...points, alpha: 1 }, 0, mark.buffer, mark.count);
  }

  /**
   * One frame: the first `linkCount` links, every node, the marks (`frame.marks`: a colour
   * per group, or null for none), then the highlights. Waits for the GPU
   * by reading one pixel back, so that the time it returns is the frame's real cost (the frame
   * budget and `ready` rest on it): Chromium's gl.finish() returns before its GPU process has
   * drawn (0.1 ms for a frame of 1 M lines that took 14 s in SwiftShader).
   */
  function draw(frame) {
    const started = performance.now();
    if (gl.isContextLost() || !kept.graph) return { ms: 0, drawnLinks: 0 };
    const { width, height } = canvas;
    gl.viewport(0, 0, width, height);
    gl.clearColor(...frame.background);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(parts.vao);
    const marking = !!frame.marks && parts.marks.some((mark) => mark.count > 0);
    const dim = parts.hlNodeCount > 0 || marking ? 0.35 : 1;
    const linkCount = Math.min(frame.linkCount, parts.linkCount);
    drawLines(gl, parts.lines, frame.view, parts.links, linkCount, withAlpha(frame.link, dim));
    const points = { view: frame.view, size: frame.size, ratio: frame.ratio, alpha: dim };
    drawPoints(gl, parts.points, points, kept.graph.n, null, 0);
    if (marking) drawMarks(points, frame.marks);
    if (parts.hlNodeCount > 0) {
      drawLines(gl, parts.lines, frame.view, parts.hlLinks, parts.hlLinkCount, frame.highlight);
      drawPoints(gl, parts.points, { ...points, alpha: 1, size: frame.size * 1.15 }, 0, parts.hlNodes, parts.hlNodeCount);
    }
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    return { ms: performance.now() - started, drawnLinks: linkCount };
  }

  canvas.addEventListener("webglcontextlost", (event) => {
    event.preventDefault();
    onLost();
  });
  canvas.addEventListener("webglcontextrestored", () => {
    build();
    onRestored();
  });
  build();
  return { gl, upload, setColours, setLinks, setHighlight, setMarks, draw, linkCount: () => parts.linkCount || 0 };
}

/** Pixels a ring adds to a marked node's diameter (half of it each side). */
const RING_PX = 7;

const withAlpha = ([r, g, b, a], k) => [r, g, b, a * k];
