// Title search with suggestions: the pages whose title contains the text, highest PageRank
// first; arrows move through them, Enter or a click picks one (the viewer jumps to it).

const SUGGESTIONS = 8;

/** Up to `limit` nodes whose lower-cased title contains `text`, best ranked first. */
export function matches(lowered, ranks, text, limit = SUGGESTIONS) {
  const wanted = text.trim().toLowerCase();
  if (!wanted) return [];
  const found = [];
  for (let i = 0; i < lowered.length; i++) if (lowered[i].includes(wanted)) found.push(i);
  const exact = (i) => (lowered[i] === wanted ? 1 : 0);
  found.sort((a, b) => exact(b) - exact(a) || ranks[b] - ranks[a] || a - b);
  return found.slice(0, limit);
}

export function createSearch({ input, list, index, onPick }) {
  let shown = [], active = -1;
  const render = () => {
    list.replaceChildren(...shown.map((i, k) => {
      const item = document.createElement("li");
      item.id = `suggestion-${k}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(k === active));
      item.textContent = index.title(i);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); pick(i); });
      return item;
    }));
    list.hidden = shown.length === 0;
    input.setAttribute("aria-expanded", String(shown.length > 0));
    if (active >= 0) input.setAttribute("aria-activedescendant", `suggestion-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const update = () => {
    shown = matches(index.lowered(), index.ranks, input.value);
    active = shown.length ? 0 : -1;
    render();
  };
  const pick = (i) => {
    shown = [];
    active = -1;
    render();
    onPick(i);
  };
  input.addEventListener("input", update);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!shown.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
      event.preventDefault();
    } else if (event.key === "Enter" && active >= 0) {
      pick(shown[active]);
    } else if (event.key === "Escape") {
      input.value = "";
      update();
      input.blur();
    }
    event.stopPropagation();
  });
  input.addEventListener("blur", () => { shown = []; render(); });
  return {
    /** Picks the best match of `text`, as a user choosing the first suggestion; its index or -1. */
    search(text) {
      input.value = text;
      const [best] = matches(index.lowered(), index.ranks, text, 1);
      if (best === undefined) { update(); return -1; }
      pick(best);
      return best;
    },
    focus: () => input.focus(),
  };
}
