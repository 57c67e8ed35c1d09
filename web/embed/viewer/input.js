// Pointer, wheel, touch and keyboard input, turned into camera moves, hover and clicks. Pan
// with a drag or one finger, zoom with the wheel, a pinch or +/-; arrows pan; a tap or click
// selects; `/` searches; Esc clears.

const PAN_STEP = 60;
const TAP_SLOP = 6;

export function bindInput(canvas, actions) {
  const pointers = new Map();
  let moved = 0, pinch = 0;
  const local = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    moved = 0;
    if (pointers.size === 2) pinch = spread(pointers);
  });
  canvas.addEventListener("pointermove", (event) => {
    const at = local(event);
    const before = pointers.get(event.pointerId);
    if (!before) return actions.hover(at);
    pointers.set(event.pointerId, at);
    if (pointers.size === 1) {
      moved += Math.abs(at[0] - before[0]) + Math.abs(at[1] - before[1]);
      if (moved > TAP_SLOP) actions.pan(at[0] - before[0], at[1] - before[1]);
    } else if (pointers.size === 2) {
      const now = spread(pointers);
      if (pinch > 0) actions.zoom(now / pinch, ...centre(pointers));
      pinch = now;
      moved = TAP_SLOP + 1;
    }
  });
  const release = (event) => {
    if (pointers.delete(event.pointerId) && pointers.size === 0) {
      if (moved <= TAP_SLOP && event.type === "pointerup") actions.click(local(event));
      actions.settle();
    }
    pinch = 0;
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("pointerleave", () => { if (!pointers.size) actions.hover(null); });
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [x, y] = local(event);
    actions.zoom(Math.exp(-event.deltaY * 0.0015), x, y);
  }, { passive: false });
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const key = {
      "/": () => actions.focusSearch(),
      "+": () => actions.zoomCentre(1.4),
      "=": () => actions.zoomCentre(1.4),
      "-": () => actions.zoomCentre(1 / 1.4),
      "0": () => actions.fit(),
      ArrowLeft: () => actions.pan(PAN_STEP, 0),
      ArrowRight: () => actions.pan(-PAN_STEP, 0),
      ArrowUp: () => actions.pan(0, PAN_STEP),
      ArrowDown: () => actions.pan(0, -PAN_STEP),
      Escape: () => actions.clear(),
    }[event.key];
    if (!key) return;
    event.preventDefault();
    key();
    actions.settle();
  });
}

function spread(pointers) {
  const [a, b] = [...pointers.values()];
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

function centre(pointers) {
  const [a, b] = [...pointers.values()];
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}
