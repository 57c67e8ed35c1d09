// Nodes as round points: position (vec2) and size from the graph, colour and visibility (rgba,
// alpha 0 hides) from the filters. One draw of every node, or of an index list (highlights).
// A ring is the same points drawn first `grow` pixels wider in one `tint` colour, the nodes
// then drawn over them: its width stays the same whatever the node's size.

import { program } from "./program.js";

const VERTEX = `#version 300 es
layout(location = 0) in vec2 a_position;
layout(location = 1) in float a_size;
layout(location = 2) in vec4 a_colour;
uniform vec4 u_view;
uniform float u_size;
uniform float u_ratio;
uniform float u_alpha;
uniform float u_grow;
uniform vec4 u_tint;
out vec4 v_colour;
void main() {
  gl_Position = vec4((a_position - u_view.xy) * u_view.zw, 0.0, 1.0);
  gl_PointSize = a_colour.a > 0.0 ? (clamp(a_size * u_size, 2.0, 64.0) + u_grow) * u_ratio : 0.0;
  vec3 rgb = u_tint.a > 0.0 ? u_tint.rgb : a_colour.rgb;
  v_colour = vec4(rgb, a_colour.a * u_alpha);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_colour;
out vec4 colour;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r = dot(c, c);
  if (r > 1.0 || v_colour.a <= 0.0) discard;
  float edge = 1.0 - smoothstep(0.7, 1.0, r);
  colour = vec4(v_colour.rgb * (0.85 + 0.15 * edge), v_colour.a);
}`;

const NO_TINT = [0, 0, 0, 0];

export function pointsProgram(gl) {
  return program(gl, VERTEX, FRAGMENT);
}

/** Draws every node (`indices` null) or the nodes of an element buffer of `count` indices;
 * `uniforms.grow` (pixels) and `uniforms.tint` (rgba) are for rings. */
export function drawPoints(gl, points, uniforms, n, indices, count) {
  gl.useProgram(points.program);
  gl.uniform4fv(points.uniforms.u_view, uniforms.view);
  gl.uniform1f(points.uniforms.u_size, uniforms.size);
  gl.uniform1f(points.uniforms.u_ratio, uniforms.ratio);
  gl.uniform1f(points.uniforms.u_alpha, uniforms.alpha);
  gl.uniform1f(points.uniforms.u_grow, uniforms.grow || 0);
  gl.uniform4fv(points.uniforms.u_tint, uniforms.tint || NO_TINT);
  if (indices) {
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, indices);
    gl.drawElements(gl.POINTS, count, gl.UNSIGNED_INT, 0);
  } else {
    gl.drawArrays(gl.POINTS, 0, n);
  }
}
