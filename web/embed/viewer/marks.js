// Pages marked in the graph: the owner's page asks for the changes since the previous snapshot
// (`data-changes` on `#viewer`: the graph API's diff), and the pages they touch are ringed,
// the rest dimmed. Pages added are one group; pages still there whose links were added or
// removed are the other. The diff is loaded once, the first time the marks are shown.

/** Marked pages whose titles are drawn before any other (so that a ring has a name). */
const NAMED = 24;

/** The node indices `diff` touches in this graph: `[added, linksChanged]`, each in node order.
 * Ids the graph does not hold (removed pages, and the far end of a removed link) are skipped. */
export function changedNodes(diff, indexOf) {
  const added = new Set();
  for (const id of diff.added_nodes || []) {
    const i = indexOf(id);
    if (i !== undefined) added.add(i);
  }
  const linked = new Set();
  for (const link of [...(diff.added_links || []), ...(diff.removed_links || [])]) {
    for (const id of [link.source, link.target]) {
      const i = indexOf(id);
      if (i !== undefined && !added.has(i)) linked.add(i);
    }
  }
  const sorted = (set) => Uint32Array.from(set).sort();
  return [sorted(added), sorted(linked)];
}

/** The diff at `url` (with the page's credentials), or an error naming its status. */
export async function loadChanges(url, credentials) {
  const response = await fetch(url, { credentials });
  if (!response.ok) throw new Error(`changes: HTTP ${response.status}`);
  return response.json();
}

/**
 * Binds the toggle `button` (absent, or no `url`: marks stay off): the first press loads the
 * diff and hands its groups to the renderer; every press calls `onChange()`. Returns whether
 * marks are shown, `count(shown)`, how many marked nodes the filters show, and `named()`,
 * the first few marked nodes, whose labels come first.
 */
export function bindMarks({ button, url, credentials, renderer, indexOf, onChange }) {
  let on = false, groups = null, loading = null;
  const load = async () => {
    groups = changedNodes(await loadChanges(url, credentials), indexOf);
    renderer.setMarks(...groups);
  };
  if (button && url) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      on = !on;
      button.setAttribute("aria-pressed", String(on));
      try {
        await (loading ??= load());
      } catch (error) {
        console.error(error);
        on = false;
        loading = null;
        button.setAttribute("aria-pressed", "false");
      }
      onChange();
    });
  }
  return {
    on: () => on && groups !== null,
    named: () => (on && groups ? [...groups[0].subarray(0, NAMED), ...groups[1].subarray(0, NAMED)].slice(0, NAMED) : []),
    count: (shown) => {
      if (!on || !groups) return 0;
      let count = 0;
      for (const group of groups) for (const i of group) count += shown[i];
      return count;
    },
  };
}
