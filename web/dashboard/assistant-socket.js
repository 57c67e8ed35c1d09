// The assistant's WebSocket (/api/v1/assistant/ws): sends the REST API's commands and hands
// every event to the page. After a drop it reconnects (1 s, doubling to 30 s) with the last
// event id it saw, so the server replays what came meanwhile; while it is down `command`
// answers null and the page uses the REST API instead.

const MAX_DELAY = 30000;

// A refused command: the REST API's problem (`code`, `detail`) as an Error.
export class Problem extends Error {
  constructor(problem) {
    super(problem.detail || `the server answered ${problem.status}`);
    this.code = problem.code;
    this.problem = problem;
  }
}

export function connect({ after, onEvent, onState }) {
  let last = after;
  let socket = null;
  let live = false;
  let delay = 1000;
  let nextRef = 1;
  const waiting = new Map();

  const url = () => {
    const u = new URL("/api/v1/assistant/ws", location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (last) u.searchParams.set("after", String(last));
    return u;
  };

  const answer = (frame) => {
    const pending = waiting.get(frame.ref);
    if (!pending) return;
    waiting.delete(frame.ref);
    if (frame.type === "result") pending.resolve(frame.body);
    else pending.reject(new Problem(frame.problem));
  };

  const receive = (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame.type === "ready") {
      live = true;
      delay = 1000;
      onState("live", frame);
    } else if (frame.type === "result" || frame.type === "error") {
      answer(frame);
    } else {
      if (typeof frame.id === "number" && frame.id > (last || 0)) last = frame.id;
      onEvent(frame);
    }
  };

  const dropped = () => {
    live = false;
    for (const pending of waiting.values()) pending.reject(new Error("the connection dropped"));
    waiting.clear();
    onState("down");
    setTimeout(start, delay);
    delay = Math.min(delay * 2, MAX_DELAY);
  };

  function start() {
    try { socket = new WebSocket(url()); } catch { dropped(); return; }
    socket.addEventListener("message", receive);
    socket.addEventListener("close", dropped);
  }

  start();
  return {
    get live() { return live; },
    // Sends a command; its answer (the REST body) or null when the socket is down.
    command(type, fields) {
      if (!live) return null;
      const ref = String(nextRef++);
      socket.send(JSON.stringify({ type, ref, ...fields }));
      return new Promise((resolve, reject) => waiting.set(ref, { resolve, reject }));
    },
  };
}
