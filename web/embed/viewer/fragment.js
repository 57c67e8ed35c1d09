// Viewer state overrides in the URL fragment, which Notion keeps in an embed's URL and which
// never reaches the server: `#theme=dark&labels=0&hide=hierarchy,orphans&depth=2&select=<id>`
// or `&q=<title text>`. Anything unknown is ignored.

export function readFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const overrides = {};
  const theme = params.get("theme");
  if (["auto", "light", "dark"].includes(theme)) overrides.theme = theme;
  if (params.has("labels")) overrides.labels = params.get("labels") !== "0";
  const hidden = (params.get("hide") || "").split(",");
  if (params.has("hide")) {
    overrides.hide_hierarchy = hidden.includes("hierarchy");
    overrides.hide_orphans = hidden.includes("orphans");
  }
  const depth = Number(params.get("depth"));
  if (Number.isInteger(depth) && depth >= 0 && depth <= 3 && params.has("depth")) overrides.local_depth = depth;
  return { overrides, select: params.get("select"), search: params.get("q") };
}
