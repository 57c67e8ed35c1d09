// Without WebGL (or when drawing fails) the page shows the static summary SVG and says why.

export function showFallback(root, reason) {
  root.querySelector("#graph").hidden = true;
  root.querySelector("#labels")?.remove();
  for (const part of root.querySelectorAll(".bar, #legend, #card")) part.hidden = true;
  const fallback = root.querySelector("#fallback");
  fallback.hidden = false;
  if (reason) fallback.querySelector("#fallback-note").textContent = reason;
  document.documentElement.dataset.viewer = "fallback";
}
