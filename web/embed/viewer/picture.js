// The view as a PNG: the WebGL canvas and the labels over it composited at the canvases' own
// pixel size (the device's resolution, up to twice CSS pixels), saved as a download.
//
// The WebGL canvas keeps no drawing buffer between frames (preserveDrawingBuffer is off, which
// is faster), so the caller draws a frame and calls `composite` in the same task, before the
// browser presents and clears that buffer.

/** One canvas holding `canvas` with `overlay` drawn over it. */
export function composite(canvas, overlay) {
  const out = Object.assign(document.createElement("canvas"), { width: canvas.width, height: canvas.height });
  const context = out.getContext("2d");
  context.drawImage(canvas, 0, 0);
  context.drawImage(overlay, 0, 0, canvas.width, canvas.height);
  return out;
}

/** Saves `picture` (a canvas) as the PNG file `name`. */
export function savePng(picture, name) {
  picture.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement("a"), { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    // The download has started from the URL by now; keep it a moment for slow browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, "image/png");
}
