// Markdown for the assistant's chat: links, **bold**, *italic*, `code`, lists, quotes and
// backslash escapes, built as DOM nodes (never as HTML), so a page title cannot inject markup.

function inline(text, parent) {
  let plain = "";
  const flush = () => { if (plain) { parent.append(plain); plain = ""; } };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) { plain += text[++i]; continue; }
    const rest = text.slice(i);
    const link = /^\[((?:\\.|[^\]\\])*)\]\((https?:\/\/[^)\s]+)\)/.exec(rest);
    if (link) {
      flush();
      const a = document.createElement("a");
      a.href = link[2];
      a.target = "_blank";
      a.rel = "noopener";
      inline(link[1], a);
      parent.append(a);
      i += link[0].length - 1;
      continue;
    }
    const span = /^(\*\*|\*|`)((?:\\.|(?!\1).)+?)\1/.exec(rest);
    if (span) {
      flush();
      const tag = { "**": "strong", "*": "em", "`": "code" }[span[1]];
      const node = document.createElement(tag);
      if (tag === "code") node.textContent = span[2]; else inline(span[2], node);
      parent.append(node);
      i += span[0].length - 1;
      continue;
    }
    plain += c;
  }
  flush();
}

export function markdown(text) {
  const out = document.createDocumentFragment();
  let listNode = null;
  let quote = null;
  for (const line of text.split("\n")) {
    const bullet = /^- (.*)$/.exec(line);
    const numbered = /^(\d+)\. (.*)$/.exec(line);
    const quoted = /^>\s?(.*)$/.exec(line);
    if (bullet || numbered) {
      const kind = bullet ? "UL" : "OL";
      if (!listNode || listNode.tagName !== kind) { listNode = document.createElement(kind); out.append(listNode); }
      const item = document.createElement("li");
      inline(bullet ? bullet[1] : numbered[2], item);
      listNode.append(item);
      quote = null;
      continue;
    }
    listNode = null;
    if (quoted) {
      if (!quote) { quote = document.createElement("blockquote"); out.append(quote); }
      if (quoted[1]) { const p = document.createElement("p"); inline(quoted[1], p); quote.append(p); }
      continue;
    }
    quote = null;
    if (line.trim()) { const p = document.createElement("p"); inline(line, p); out.append(p); }
  }
  return out;
}

export function render(node) {
  const text = node.textContent;
  node.replaceChildren(markdown(text));
}

