// World (layout) coordinates to screen (CSS pixels) and back; fitting, zooming about a point,
// panning. The camera is the point of the world at the centre of the view and a scale.

export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 400;

export function fit(camera, bounds, width, height) {
  const [x0, y0, x1, y1] = bounds;
  const w = Math.max(x1 - x0, 1e-6), h = Math.max(y1 - y0, 1e-6);
  camera.x = (x0 + x1) / 2;
  camera.y = (y0 + y1) / 2;
  camera.scale = camera.fitScale = 0.9 * Math.min(width / w, height / h);
}

export function toScreen(camera, x, y, width, height) {
  return [(x - camera.x) * camera.scale + width / 2, (y - camera.y) * camera.scale + height / 2];
}

export function toWorld(camera, sx, sy, width, height) {
  return [(sx - width / 2) / camera.scale + camera.x, (sy - height / 2) / camera.scale + camera.y];
}

/** Zooms by `factor` keeping the world point under (sx, sy) where it is. */
export function zoomAt(camera, factor, sx, sy, width, height) {
  const [wx, wy] = toWorld(camera, sx, sy, width, height);
  const min = camera.fitScale * MIN_ZOOM, max = camera.fitScale * MAX_ZOOM;
  camera.scale = Math.min(max, Math.max(min, camera.scale * factor));
  camera.x = wx - (sx - width / 2) / camera.scale;
  camera.y = wy - (sy - height / 2) / camera.scale;
}

export function pan(camera, dx, dy) {
  camera.x -= dx / camera.scale;
  camera.y -= dy / camera.scale;
}

export function centreOn(camera, x, y, zoom) {
  camera.x = x;
  camera.y = y;
  if (zoom) camera.scale = Math.max(camera.scale, camera.fitScale * zoom);
}

/** The clip-space transform the shaders take: (centre x, centre y, x scale, y scale). */
export function clipTransform(camera, width, height) {
  return [camera.x, camera.y, (2 * camera.scale) / width, (-2 * camera.scale) / height];
}

/** How much larger than at "fit" nodes draw: they grow as you zoom in, slower than the zoom. */
export function sizeScale(camera) {
  return Math.min(4, Math.max(0.5, Math.sqrt(camera.scale / camera.fitScale)));
}
