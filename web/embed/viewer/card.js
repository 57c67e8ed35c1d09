// The card of the selected node: title, kind, links in and out, and "Open in Notion", which
// opens a new tab (inside Notion's iframe the frame itself must never navigate).

export function createCard({ root, onClose }) {
  const title = root.querySelector("#card-title");
  const kind = root.querySelector("#card-kind");
  const links = root.querySelector("#card-links");
  const open = root.querySelector("#card-open");
  let url = null;
  open.addEventListener("click", () => {
    if (url) window.open(url, "_blank", "noopener,noreferrer");
  });
  root.querySelector("#card-close").addEventListener("click", onClose);
  return {
    show({ text, kindName, degree, href }) {
      title.textContent = text || "Untitled";
      kind.textContent = kindName.replace("_", " ");
      links.textContent = `${degree} link${degree === 1 ? "" : "s"}`;
      url = href;
      open.hidden = !href;
      root.hidden = false;
    },
    hide() {
      root.hidden = true;
      url = null;
    },
  };
}
