// The assistant's chat (/assistant) over the JSON API: messages rendered from Markdown (built
// as DOM nodes, never as HTML, so a page title cannot inject markup), plan cards whose Confirm
// and Reject call the API, live task progress with an Undo button, a typing indicator, Enter
// to send, Shift+Enter for a new line and ↑ in an empty box to edit the last message. Without
// script the page's forms do the same through full page loads.
// Test hook: document.documentElement.dataset.chat is "ready" once the page is wired up.

const chat = document.getElementById("chat");
const list = document.getElementById("messages");
const composer = document.getElementById("composer");
const box = document.getElementById("message");
const typing = document.getElementById("typing");
const failure = document.getElementById("chat-error");
const API = "/api/v1/assistant";
const FINISHED = new Set(["completed", "failed", "cancelled", "undone"]);

// --- Markdown: links, **bold**, *italic*, `code`, lists, quotes, backslash escapes. ---------

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

function markdown(text) {
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

function render(node) {
  const text = node.textContent;
  node.replaceChildren(markdown(text));
}

// --- The API. -----------------------------------------------------------------------------

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": chat.dataset.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail || `the server answered ${response.status}`);
  return answer;
}

function showError(error) {
  failure.textContent = error ? `${error.message}. Try again.` : "";
  failure.hidden = !error;
}

// --- Messages and plan cards. ---------------------------------------------------------------

function message(role, text) {
  const item = document.createElement("li");
  item.className = `message ${role}`;
  item.dataset.role = role;
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  render(body);
  item.append(body);
  list.append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function button(label, secondary, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (secondary) b.className = "secondary";
  b.addEventListener("click", onClick);
  return b;
}

function planCard(plan) {
  const card = document.createElement("div");
  card.className = "plan panel";
  card.dataset.plan = plan.id;
  const steps = document.createElement("ol");
  steps.className = "steps";
  for (const step of plan.steps) {
    const li = document.createElement("li");
    li.append(markdown(step.change));
    steps.append(li);
  }
  card.append(steps);
  if (plan.needs_confirmation) wirePlan(card);
  return card;
}

function status(card, text) {
  let line = card.querySelector(".task");
  if (!line) { line = document.createElement("p"); line.className = "task"; line.setAttribute("role", "status"); card.append(line); }
  line.textContent = text;
  return line;
}

function wirePlan(card) {
  card.querySelector(".actions")?.remove();
  const actions = document.createElement("div");
  actions.className = "actions";
  const decide = async (verb) => {
    actions.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const answer = await call("POST", `${API}/plans/${card.dataset.plan}/${verb}`);
      actions.remove();
      showError(null);
      if (verb === "reject") status(card, "Rejected: nothing was changed.");
      else follow(card, answer.id);
    } catch (error) {
      actions.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      showError(error);
    }
  };
  actions.append(button("Confirm", false, () => decide("confirm")), button("Reject", true, () => decide("reject")));
  card.append(actions);
}

function describe(task) {
  const noun = task.state === "undone" || task.state === "undoing" ? "undone" : "done";
  const notes = task.steps.map((s) => s.note).filter(Boolean);
  return [`Task ${task.state}: ${task.done} of ${task.total} steps ${noun}.`, ...notes, task.undo_report ?? ""].join(" ").trim();
}

async function follow(card, taskId) {
  card.dataset.task = taskId;
  for (;;) {
    let task;
    try { task = await call("GET", `${API}/tasks/${taskId}`); } catch (error) { showError(error); return; }
    status(card, describe(task));
    card.dataset.taskState = task.state;
    if (FINISHED.has(task.state)) {
      card.querySelector(".undo")?.remove();
      if (task.state !== "undone" && task.steps.some((s) => s.state === "done")) {
        const undo = button("Undo", true, async () => {
          undo.disabled = true;
          try { await call("POST", `${API}/tasks/${taskId}/undo`); undo.remove(); follow(card, taskId); } catch (error) { undo.disabled = false; showError(error); }
        });
        undo.classList.add("undo");
        card.append(undo);
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

// --- Sending. -----------------------------------------------------------------------------

let lastSent = "";

async function conversation() {
  if (chat.dataset.conversation) return chat.dataset.conversation;
  const created = await call("POST", `${API}/conversations`, {});
  chat.dataset.conversation = created.id;
  composer.elements.conversation.value = created.id;
  history.replaceState(null, "", `/assistant?c=${encodeURIComponent(created.id)}`);
  return created.id;
}

async function send() {
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  lastSent = text;
  message("user", text);
  typing.hidden = false;
  try {
    const id = await conversation();
    const answer = await call("POST", `${API}/conversations/${id}/messages`, { text });
    const item = message("assistant", answer.reply.text);
    if (answer.plan) item.append(planCard(answer.plan));
    if (answer.reply.task) follow(item, answer.reply.task);
    showError(null);
  } catch (error) {
    box.value = text;
    showError(error);
  } finally {
    typing.hidden = true;
  }
}

composer.addEventListener("submit", (event) => { event.preventDefault(); send(); });
box.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  if (event.key === "ArrowUp" && !box.value && lastSent) { event.preventDefault(); box.value = lastSent; }
});

// --- The page as served: render its Markdown, wire its plan cards. ------------------------

for (const node of document.querySelectorAll("[data-markdown]")) render(node);
for (const user of list.querySelectorAll(".message.user .text")) lastSent = user.textContent;
for (const card of list.querySelectorAll(".plan")) {
  if (card.querySelector("[data-action=confirm]")) wirePlan(card);
  else if (card.dataset.task) { card.querySelector("[data-action=undo]")?.remove(); follow(card, card.dataset.task); }
}
list.lastElementChild?.scrollIntoView({ block: "end" });
document.documentElement.dataset.chat = "ready";
