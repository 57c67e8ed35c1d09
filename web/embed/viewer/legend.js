// Legend toggles: one button per node kind and per community (largest first), each showing or
// hiding what it names; a hidden entry is aria-pressed="false".

import { colourOf } from "./theme.js";

const COMMUNITIES_SHOWN = 12;

function toggle(list, label, count, swatch, hidden, onToggle) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  // Pressed means shown; the name is the visible text (an aria-label differing from it would
  // not match what a speech-input user says).
  button.setAttribute("aria-pressed", String(!hidden));
  button.title = `Show or hide ${label}`;
  const dot = document.createElement("span");
  dot.className = "swatch";
  if (swatch) dot.style.background = swatch; // CSSOM, which the page's CSP allows
  button.append(dot, `${label} `, Object.assign(document.createElement("small"), { textContent: String(count) }));
  button.addEventListener("click", () => {
    const nowHidden = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-pressed", String(!nowHidden));
    onToggle(nowHidden);
  });
  item.append(button);
  list.append(item);
}

/** Fills the legend from the graph and labels; `onChange()` after the filters changed. */
export function createLegend({ kindsList, communitiesList, graph, labels, filters, onChange }) {
  const kindCounts = new Map(), communityCounts = new Map();
  for (let i = 0; i < graph.n; i++) {
    kindCounts.set(graph.kinds[i], (kindCounts.get(graph.kinds[i]) || 0) + 1);
    communityCounts.set(graph.communities[i], (communityCounts.get(graph.communities[i]) || 0) + 1);
  }
  const kindNames = labels?.node_kinds || ["page", "row", "database", "data_source", "unknown", "community"];
  kindsList.replaceChildren();
  for (const [code, count] of [...kindCounts].sort((a, b) => a[0] - b[0])) {
    const name = (kindNames[code] || "other").replace("_", " ");
    toggle(kindsList, name, count, null, filters.hiddenKinds.has(code), (hide) => {
      hide ? filters.hiddenKinds.add(code) : filters.hiddenKinds.delete(code);
      onChange();
    });
  }
  const names = new Map((labels?.communities || []).map((c) => [c.id, c.label]));
  communitiesList.replaceChildren();
  const largest = [...communityCounts].sort((a, b) => b[1] - a[1]).slice(0, COMMUNITIES_SHOWN);
  for (const [id, count] of largest) {
    const name = names.get(id) || `Group ${id + 1}`;
    toggle(communitiesList, name, count, colourOf(id), filters.hiddenCommunities.has(id), (hide) => {
      hide ? filters.hiddenCommunities.add(id) : filters.hiddenCommunities.delete(id);
      onChange();
    });
  }
}
