// The theme toggle: follows prefers-color-scheme until the user picks one, then keeps the
// choice (localStorage) on <html data-theme>. Without script the system theme applies.

const KEY = "notion-graph-theme";
const html = document.documentElement;
const stored = localStorage.getItem(KEY);
if (stored === "light" || stored === "dark") html.dataset.theme = stored;

function current() {
  if (html.dataset.theme) return html.dataset.theme;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function label(button) {
  const dark = current() === "dark";
  button.setAttribute("aria-pressed", String(dark));
  button.textContent = dark ? "Light theme" : "Dark theme";
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("theme-toggle");
  if (!button) return;
  button.hidden = false;
  label(button);
  button.addEventListener("click", () => {
    html.dataset.theme = current() === "dark" ? "light" : "dark";
    localStorage.setItem(KEY, html.dataset.theme);
    label(button);
  });
});
