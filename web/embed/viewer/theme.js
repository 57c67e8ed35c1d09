// Colours: the community palette (the same as the static preview's) and the light and dark
// themes (from the preset, or else `prefers-color-scheme`). The rings of marked pages (added,
// links changed) are saturated, unlike the palette's muted colours, so that they read as marks.

export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

export const colourOf = (community) => PALETTE[community % PALETTE.length];

const rgb = (hex) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
export const PALETTE_RGB = PALETTE.map(rgb);

const THEMES = {
  light: { background: [1, 1, 1, 1], link: [0.45, 0.48, 0.53, 0.28], highlight: [0.1, 0.1, 0.12, 0.9], text: "#1f2328", halo: "rgba(255,255,255,0.85)",
    marks: [[0.0, 0.7, 0.25, 1], [0.85, 0.0, 0.65, 1]] },
  dark: { background: [0.098, 0.098, 0.098, 1], link: [0.62, 0.65, 0.7, 0.25], highlight: [0.95, 0.95, 0.95, 0.9], text: "#e6e6e6", halo: "rgba(25,25,25,0.85)",
    marks: [[0.2, 0.9, 0.4, 1], [1.0, 0.35, 0.85, 1]] },
};

/** The theme the page shows: the preset's, the system's for "auto", or for "page" the one the
 * surrounding page chose (`<html data-theme>`, set by the dashboard's toggle) or else the system's. */
export function currentTheme(preset) {
  if (preset === "page") preset = document.documentElement.dataset.theme;
  if (preset === "light" || preset === "dark") return THEMES[preset];
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  return THEMES[dark ? "dark" : "light"];
}

export function themeName(preset) {
  return currentTheme(preset) === THEMES.dark ? "dark" : "light";
}

/** The theme a share made from this view should have: the preset's, or for "page" the one the
 * surrounding page chose, else "auto" (the visitor's system). */
export function presetTheme(preset) {
  if (preset === "page") return document.documentElement.dataset.theme || "auto";
  return ["light", "dark"].includes(preset) ? preset : "auto";
}
