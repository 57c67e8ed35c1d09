// Live import progress on a workspace card: listens to the workspace's Server-Sent Events
// (`progress` about every second while a sync runs) and fills the bar and its text. The
// stream says nothing when a sync ends, so after a quiet moment the page asks the sync history
// whether the run is over and then reloads, showing the final counts.

const QUIET_MS = 3000;

function describe(p) {
  const parts = [`${p.fetched} of ${p.discovered} pages read`, `${p.calls} calls`];
  if (p.rate_limited) parts.push(`${p.rate_limited} rate-limited`);
  if (p.eta_secs != null) parts.push(`about ${p.eta_secs} s left`);
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
  const check = () => {
    clearTimeout(quiet);
    quiet = setTimeout(async () => {
      if (await finished(api).catch(() => false)) {
        events.close();
        text.textContent = "Import done.";
        location.reload();
      } else {
        check();
      }
    }, QUIET_MS);
  };
  events.addEventListener("progress", (event) => {
    const { progress } = JSON.parse(event.data);
    bar.max = Math.max(progress.discovered, 1);
    bar.value = progress.fetched;
    text.textContent = describe(progress);
    check();
  });
  check();
}

document.querySelectorAll("[data-progress]").forEach(watch);
