// Live import progress on a workspace card: listens to the workspace's Server-Sent Events
// (`progress` about every second while a sync runs, `done` when it ends) and fills the bar and
// its text. A page opened after the `done` event went out would wait forever, so after a quiet
// moment it also asks the sync history whether the run is over.

const QUIET_MS = 3000;

const PHASES = {
  searching: "Finding pages",
  reading: "Reading pages",
  finishing: "Counting links",
};

const ENDINGS = {
  completed: "Import done.",
  failed: "The import stopped with an error; it resumes at the next sync.",
  stopped: "The import was stopped.",
};

function describe(p) {
  const parts = [PHASES[p.phase] ?? "Importing", `${p.fetched} of ${p.discovered} pages read`,
    `${p.calls} calls`];
  if (p.rate_limited) parts.push(`${p.rate_limited} rate-limited`);
  if (p.eta_secs != null && p.phase !== "searching") parts.push(`about ${p.eta_secs} s left`);
  return parts.join(" · ");
}

async function finished(api) {
  const response = await fetch(`${api}/syncs?limit=1`, { headers: { Accept: "application/json" } });
  if (!response.ok) return false;
  const [latest] = await response.json();
  return latest !== undefined && latest.state !== "running";
}

function watch(box) {
  const api = box.dataset.progress;
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  const events = new EventSource(`${api}/progress`);
  let quiet;
  const end = (message) => {
    clearTimeout(quiet);
    events.close();
    text.textContent = message;
    location.reload();
  };
  const check = () => {
    clearTimeout(quiet);
    quiet = setTimeout(async () => {
      if (await finished(api).catch(() => false)) end(ENDINGS.completed);
      else check();
    }, QUIET_MS);
  };
  const show = (progress) => {
    bar.max = Math.max(progress.discovered, 1);
    bar.value = progress.fetched;
    text.textContent = describe(progress);
  };
  events.addEventListener("progress", (event) => {
    show(JSON.parse(event.data).progress);
    check();
  });
  events.addEventListener("done", (event) => {
    const message = JSON.parse(event.data);
    show(message.progress);
    end(ENDINGS[message.end] ?? ENDINGS.completed);
  });
  check();
}

document.querySelectorAll("[data-progress]").forEach(watch);
