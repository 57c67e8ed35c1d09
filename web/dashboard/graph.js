// The graph page's side panel: pages named in it select themselves in the viewer, the
// inspector shows the selected page (from the graph API's `pages/{page}`): its metrics and its
// links in and out, grouped by kind, each with the block or property it was found in, and
// "Share this view" opens the share form filled in from the viewer's state.

const root = document.getElementById("viewer");
const inspector = document.getElementById("inspector");
const workspace = root.dataset.workspace;
let shown = null;

root.addEventListener("click", (event) => {
  const target = event.target.closest("[data-page]");
  if (!target) return;
  root.dispatchEvent(new CustomEvent("viewer:select", { detail: { id: target.dataset.page } }));
});

root.addEventListener("viewer:selected", (event) => inspect(event.detail.id));

const share = document.getElementById("share-view");
root.addEventListener("viewer:view", (event) => {
  share.href = `/workspaces/${encodeURIComponent(workspace)}/shares?${shareQuery(event.detail)}`;
});

/** The share form's fields for `preset` (the viewer's state), as the form itself posts them:
 * a checkbox is present when checked, lists are comma-separated. */
function shareQuery(preset) {
  const query = new URLSearchParams({ view: preset.view, depth: String(preset.depth), theme: preset.theme });
  if (preset.root) query.set("root", preset.root);
  for (const flag of ["labels", "hide_hierarchy", "hide_orphans"]) if (preset[flag]) query.set(flag, "on");
  if (preset.communities.length) query.set("communities", preset.communities.join(","));
  if (preset.kinds.length) query.set("kinds", preset.kinds.join(","));
  return query;
}

async function inspect(id) {
  if (!id || id === shown) return;
  shown = id;
  const response = await fetch(`/api/v1/workspaces/${encodeURIComponent(workspace)}/pages/${encodeURIComponent(id)}`);
  if (shown !== id) return;
  if (!response.ok) {
    inspector.replaceChildren(heading("Page"), text("p", "error", "This page could not be loaded: reload the page and try again."));
    return;
  }
  render(await response.json());
}

function render(page) {
  const facts = [
    `${page.kind.replace("_", " ")}`,
    `rank ${page.metrics.rank} by PageRank`,
    `community ${page.community + 1}`,
    page.metrics.hub && "hub",
    page.metrics.orphan && "orphan",
    page.metrics.articulation_point && "holds parts of the graph together",
    page.trashed && "in the trash",
  ].filter(Boolean).join(" · ");
  const parts = [heading(page.title), text("p", "hint", facts)];
  if (page.url) {
    const open = text("a", "button", "Open in Notion");
    Object.assign(open, { href: page.url, target: "_blank", rel: "noopener noreferrer" });
    parts.push(open);
  }
  parts.push(...links(`Links out (${page.links_out.length})`, page.links_out));
  parts.push(...links(`Links in (${page.links_in.length})`, page.links_in));
  inspector.replaceChildren(...parts);
}

/** A heading and, per link kind, the pages at the other end with where the link was found. */
function links(title, list) {
  const byKind = new Map();
  for (const link of list) byKind.set(link.kind, [...(byKind.get(link.kind) || []), link]);
  const parts = [text("h3", null, title)];
  if (!list.length) parts.push(text("p", "hint", "None."));
  for (const [kind, group] of byKind) {
    parts.push(text("h4", null, `${kind.replaceAll("_", " ")} (${group.length})`));
    const items = group.map((link) => {
      const item = document.createElement("li");
      const page = text("button", "link", link.title);
      Object.assign(page, { type: "button" });
      page.dataset.page = link.id;
      item.append(page, text("small", "provenance", ` from ${link.provenance}`));
      return item;
    });
    const ul = document.createElement("ul");
    ul.className = "pages";
    ul.append(...items);
    parts.push(ul);
  }
  return parts;
}

function heading(title) {
  const h2 = text("h2", null, title);
  h2.id = "inspector-heading";
  return h2;
}

function text(tag, className, content) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = content;
  return element;
}
