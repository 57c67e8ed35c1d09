// Links as 1-pixel indexed lines over the nodes' position attribute (the fastest way measured
// here: drawElements(LINES, UNSIGNED_INT)). Links come most important first, so drawing the
// first `count` pairs of the element buffer is the level-of-detail subset.

import { program } from "./program.js";

const VERTEX = `#version 300 es
layout(location = 0) in vec2 a_position;
uniform vec4 u_view;
void main() {
  gl_Position = vec4((a_position - u_view.xy) * u_view.zw, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
uniform vec4 u_colour;
out vec4 colour;
void main() { colour = u_colour; }`;

export function linesProgram(gl) {
  return program(gl, VERTEX, FRAGMENT);
}

/** Draws the first `count` links of the element buffer `indices` in `colour` (rgba). */
export function drawLines(gl, lines, view, indices, count, colour) {
  if (count <= 0) return;
  gl.useProgram(lines.program);
  gl.uniform4fv(lines.uniforms.u_view, view);
  gl.uniform4fv(lines.uniforms.u_colour, colour);
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, indices);
  gl.drawElements(gl.LINES, 2 * count, gl.UNSIGNED_INT, 0);
}
