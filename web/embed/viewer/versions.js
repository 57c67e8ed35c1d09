// Offers a reload once a newer snapshot of the share exists. The page's version stream
// (Server-Sent Events, `/embed/{token}/versions`) names the newest version at once and again
// after every build; a share pinning a version has no stream (and its page names none).

/** Shows `button` once the stream at `url` names a version newer than `shown`. */
export function offerNewer({ url, shown, button, announce }) {
  if (!url || typeof EventSource === "undefined") return;
  button.addEventListener("click", () => window.location.reload());
  const source = new EventSource(url);
  source.addEventListener("version", (event) => {
    const newest = JSON.parse(event.data);
    if (newest.version <= shown) return;
    source.close();
    button.title = `Built ${new Date(newest.created_at).toLocaleString()}`;
    button.hidden = false;
    announce("A newer version of this graph is available");
  });
}
