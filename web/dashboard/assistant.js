// The assistant's chat (/assistant): over the WebSocket when it connects (messages, typing,
// streamed tokens and task progress as they happen, resumed after a reconnection), else over
// the JSON API (task progress polled). Plan cards with Confirm and Reject, an Undo button,
// Enter to send, Shift+Enter for a new line and ↑ in an empty box to edit the last message.
// Without script the page's forms do the same through full page loads.
// Test hook: document.documentElement.dataset.chat is "ready" once the page is wired up, and
// dataset.socket is "live" while the WebSocket is connected ("down" while it is not).

import { markdown, render } from "./assistant-markdown.js";
import { Problem, connect } from "./assistant-socket.js";

const chat = document.getElementById("chat");
const list = document.getElementById("messages");
const composer = document.getElementById("composer");
const box = document.getElementById("message");
const typing = document.getElementById("typing");
const failure = document.getElementById("chat-error");
const connection = document.getElementById("connection");
const API = "/api/v1/assistant";
const FINISHED = new Set(["completed", "failed", "cancelled", "undone"]);

// --- The API: a command over the socket when it is live, else the REST route. --------------

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": chat.dataset.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Problem({ status: response.status, ...answer });
  return answer;
}

function command(type, fields, method, path, body) {
  return socket.command(type, fields) ?? call(method, path, body);
}

// Words for a refusal; a plan limit says what it is and where to lift it.
function showError(error) {
  failure.replaceChildren();
  failure.hidden = !error;
  if (!error) return;
  if (error.code === "plan_limit") {
    const link = document.createElement("a");
    link.href = "/billing";
    link.textContent = "See plans on the billing page";
    failure.append(`${error.message}. `, link, ".");
  } else {
    failure.append(`${error.message}. Try again.`);
  }
}

// --- Messages, shown once each (an event and an answer may both bring one). --------------

let pendingUser = null;

function bubble(role) {
  const item = document.createElement("li");
  item.className = `message ${role}`;
  item.dataset.role = role;
  const body = document.createElement("div");
  body.className = "text";
  item.append(body);
  return item;
}

function showMessage(view) {
  if (list.querySelector(`[data-id="${CSS.escape(view.id)}"]`)) return;
  let item = view.role === "user" && pendingUser?.dataset.text === view.text ? pendingUser : null;
  if (item) pendingUser = null;
  else {
    item = bubble(view.role);
    item.querySelector(".text").textContent = view.text;
    render(item.querySelector(".text"));
    const draft = view.role === "assistant" ? list.querySelector(".message.draft") : null;
    if (draft) draft.replaceWith(item); else list.append(item);
  }
  item.dataset.id = view.id;
  if (view.role === "assistant") typing.hidden = true;
  if (view.plan) item.append(planCard(view.plan));
  if (view.task && !view.plan) track(item, view.task);
  item.scrollIntoView({ block: "end" });
}

// A streamed piece of the reply being written, shown as plain text until the reply comes.
function showToken(text) {
  let draft = list.querySelector(".message.draft");
  if (!draft) { draft = bubble("assistant"); draft.classList.add("draft"); list.append(draft); }
  draft.querySelector(".text").append(text);
  typing.hidden = true;
  draft.scrollIntoView({ block: "end" });
}

function button(label, secondary, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (secondary) b.className = "secondary";
  b.addEventListener("click", onClick);
  return b;
}

// --- Plan cards and their tasks. ------------------------------------------------------------

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
  else showPlan(plan, card);
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
      const path = `${API}/plans/${card.dataset.plan}/${verb}`;
      const answer = await command(verb, { plan: card.dataset.plan }, "POST", path);
      showError(null);
      if (verb === "reject") showPlan(answer, card); else showTask(answer, card);
    } catch (error) {
      actions.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      showError(error);
    }
  };
  actions.append(button("Confirm", false, () => decide("confirm")), button("Reject", true, () => decide("reject")));
  card.append(actions);
}

// A plan decided (here, in another tab, or replayed after a reconnection).
function showPlan(plan, card = list.querySelector(`[data-plan="${CSS.escape(plan.id)}"]`)) {
  if (!card || plan.state === "proposed") return;
  card.querySelector(".actions")?.remove();
  if (plan.state === "rejected") status(card, "Rejected: nothing was changed.");
  else if (plan.task) track(card, plan.task);
}

function describe(task) {
  const noun = task.state === "undone" || task.state === "undoing" ? "undone" : "done";
  const notes = task.steps.map((s) => s.note).filter(Boolean);
  return [`Task ${task.state}: ${task.done} of ${task.total} steps ${noun}.`, ...notes, task.undo_report ?? ""].join(" ").trim();
}

const taskCard = (task) => list.querySelector(`[data-plan="${CSS.escape(task.plan)}"]`)
  ?? list.querySelector(`[data-task="${CSS.escape(task.id)}"]`);

// A task's state on its card (found by its plan: an event can come before the confirmation's
// answer). The answer, events and polls race, so an older view than the one shown is ignored.
function showTask(task, card = taskCard(task)) {
  if (!card || task.version < Number(card.dataset.taskVersion || 0)) return;
  card.dataset.taskVersion = String(task.version);
  card.dataset.task = task.id;
  card.querySelector(".actions")?.remove();
  status(card, describe(task));
  card.dataset.taskState = task.state;
  card.querySelector(".undo")?.remove();
  if (FINISHED.has(task.state) && task.state !== "undone" && task.steps.some((s) => s.state === "done")) {
    const undo = button("Undo", true, async () => {
      undo.disabled = true;
      try {
        const path = `${API}/tasks/${task.id}/undo`;
        showTask(await command("undo", { task: task.id }, "POST", path), card);
      } catch (error) { undo.disabled = false; showError(error); }
    });
    undo.classList.add("undo");
    card.append(undo);
  }
  if (!FINISHED.has(task.state) && !socket.live) poll(card, task.id);
}

// Follows a task: the socket reports it; without one, its state is polled.
async function track(card, taskId) {
  card.dataset.task = taskId;
  card.querySelector("[data-action=undo]")?.remove();
  try { showTask(await call("GET", `${API}/tasks/${taskId}`), card); } catch (error) { showError(error); }
}

const polled = new Set();
async function poll(card, taskId) {
  if (polled.has(taskId)) return;
  polled.add(taskId);
  await new Promise((resolve) => setTimeout(resolve, 700));
  polled.delete(taskId);
  if (socket.live) return;
  try { showTask(await call("GET", `${API}/tasks/${taskId}`), card); } catch (error) { showError(error); }
}

// --- Events from the socket. --------------------------------------------------------------

function onEvent(event) {
  if (event.conversation !== chat.dataset.conversation) return;
  switch (event.type) {
    case "message": showMessage(event.message); break;
    case "typing": typing.hidden = false; break;
    case "token": showToken(event.text); break;
    case "plan": showPlan(event.plan); break;
    case "task_progress":
    case "task_finished": showTask(event.task); break;
  }
}

function onState(state, ready) {
  document.documentElement.dataset.socket = state;
  connection.hidden = state === "live";
  connection.textContent = state === "live" ? "" : "Reconnecting… (messages still go through)";
  if (state === "live" && ready && !ready.complete) location.reload();
  if (state === "live") {
    for (const card of list.querySelectorAll(".plan[data-task]")) {
      if (!FINISHED.has(card.dataset.taskState)) track(card, card.dataset.task);
    }
  }
}

const socket = connect({ after: Number(chat.dataset.after) || 0, onEvent, onState });

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
  pendingUser = bubble("user");
  pendingUser.dataset.text = text;
  pendingUser.querySelector(".text").textContent = text;
  list.append(pendingUser);
  typing.hidden = false;
  try {
    const id = await conversation();
    const path = `${API}/conversations/${id}/messages`;
    const answer = await command("send", { conversation: id, text }, "POST", path, { text });
    showMessage(answer.message);
    showMessage(answer.reply);
    showError(null);
  } catch (error) {
    pendingUser?.remove();
    pendingUser = null;
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
  else if (card.dataset.task) track(card, card.dataset.task);
}
list.lastElementChild?.scrollIntoView({ block: "end" });
document.documentElement.dataset.chat = "ready";
