// The viewer's state as a share preset (the fields of `Preset` in src/modules/embed/model.rs),
// so that "Share this view" on the owner's page starts the share where the owner is: the
// filters, the local graph around the selection, the theme and whether titles are drawn.

import { KIND_COMMUNITY } from "./data.js";

/** Node kinds by their `bin` code, as a preset names them. */
export const KIND_NAMES = ["page", "row", "database", "data_source", "unknown"];

/**
 * The preset for `state` over `graph`: the communities and kinds shown (empty when none is
 * hidden, which a preset reads as all), a neighbourhood of `state.filters.depth` around the
 * selected page (`idOf(i)` its id) when a local graph is shown, and `theme` ("auto", "light"
 * or "dark").
 */
export function presetOf({ graph, state, idOf, theme }) {
  const { filters } = state;
  const shownCommunities = new Set(), shownKinds = new Set();
  for (let i = 0; i < graph.n; i++) {
    if (!filters.hiddenCommunities.has(graph.communities[i])) shownCommunities.add(graph.communities[i]);
    if (graph.kinds[i] !== KIND_COMMUNITY && !filters.hiddenKinds.has(graph.kinds[i])) shownKinds.add(graph.kinds[i]);
  }
  const hidesKinds = [...filters.hiddenKinds].some((kind) => kind !== KIND_COMMUNITY);
  const local = filters.depth > 0 && state.selected >= 0;
  return {
    view: local ? "neighbourhood" : "full",
    root: local ? idOf(state.selected) : null,
    depth: local ? filters.depth : 1,
    communities: filters.hiddenCommunities.size ? [...shownCommunities].sort((a, b) => a - b) : [],
    kinds: hidesKinds ? [...shownKinds].sort((a, b) => a - b).map((kind) => KIND_NAMES[kind]) : [],
    hide_hierarchy: filters.hideHierarchy,
    hide_orphans: filters.hideOrphans,
    theme,
    labels: state.labels,
  };
}
