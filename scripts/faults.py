"""Faults, measured (issue 16, item 3): the production mode (one `serve`, one `worker`, MongoDB
protocol + Redis) under steady load while one dependency fails, then recovers.

Each scenario starts from clean services of its own, puts signed-in API reads, a running
import and signed Stripe webhooks on the service, injects one fault for a bounded time,
removes it, and measures what users saw (error rate, latency), how long until requests
succeeded again, and whether anything was lost or doubled: the import equals the
simulator's truth, every webhook event is stored once and processed, no job died.

Run by scripts/faults (which builds the binaries and makes the venv); all traffic stays on
127.0.0.1, every loop is bounded in time.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pymongo
from aiohttp import web

PASSWORD = "correct horse battery staple"
EMAIL = "faults@example.com"
# The test suite's key (tests/api/helpers.rs): every process must seal tokens with the same.
ENCRYPTION_KEYS = "test:dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="
STRIPE_SECRET = "whsec_faults_0123456789"
DATABASE = "faults"
# The imported workspace: large enough that the import is still running when the fault hits.
PAGES, SEED, NOTION_RATE = 400, 16, 100
BASELINE_S = 5  # load before the fault
OBSERVE_S = 40  # at most this long after the fault for everything to settle
SETTLE_S = 3  # requests must have succeeded this long before a scenario ends early
REQUEST_TIMEOUT_S = 10  # a request still waiting then counts as failed
READERS = 4  # concurrent signed-in readers
WEBHOOKS_PER_S = 10
NEW_EVENTS_AFTER_S = 5  # new webhook events stop this long after the fault; retries go on
LLM_REPLY = "The fake model answers."
MODEL_FAILED = "The language model failed"


def now():
    return time.monotonic()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port, timeout=60.0):
    deadline = now() + timeout
    while now() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return True
        except OSError:
            await asyncio.sleep(0.05)
    return False


# --- processes ---------------------------------------------------------------------------


class Service:
    """One child process that can be killed and started again with the same command line (so
    on the same port, with the same data directory)."""

    def __init__(self, name, argv, logs, env=None, port=None):
        self.name, self.argv, self.env, self.port = name, [str(a) for a in argv], env, port
        self.log = logs / f"{name}.log"
        self.proc = None

    async def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.env)
        if self.port and not await wait_for_port(self.port):
            raise RuntimeError(f"{self.name} did not listen on {self.port}; see {self.log}")

    def kill(self):
        """SIGKILL: no shutdown, what a crash or an OOM kill does."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


class FakeLlm:
    """An OpenAI-compatible model that always answers LLM_REPLY, in this process, so that it
    can be taken off its port (unreachable: connections refused) and put back."""

    def __init__(self, port):
        self.port, self.runner = port, None

    async def answer(self, request):
        await request.read()
        message = {"role": "assistant", "content": LLM_REPLY}
        return web.json_response({"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})

    async def start(self):
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self):
        if self.runner:
            await self.runner.cleanup()
            self.runner = None


class Stack:
    """Every service of one scenario, on free loopback ports, under its own directory."""

    def __init__(self, opts, name):
        self.opts = opts
        self.dir = Path(opts.run_dir) / name
        self.data = self.dir / "data"
        self.data.mkdir(parents=True)
        logs = self.dir  # each service's log beside its data
        ports = {k: free_port() for k in ["redis", "mongo", "stripe", "sim", "llm", "serve", "worker"]}
        self.ports = ports
        self.base = f"http://127.0.0.1:{ports['serve']}"
        self.sim_url = f"http://127.0.0.1:{ports['sim']}"
        self.mongo_uri = f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true&retryWrites=false"
        # Redis as deploy/compose.yaml runs it: jobs and sessions kept in an append-only file.
        self.redis = Service("redis", ["redis-server", "--port", ports["redis"], "--bind", "127.0.0.1",
                                       "--dir", self.dir, "--appendonly", "yes", "--appendfsync", "everysec",
                                       "--save", ""], logs, port=ports["redis"])
        self.mongo = Service("mongo", [f"{opts.venv}/bin/secantusd-py", "--host", "127.0.0.1",
                                       "--port", ports["mongo"], "--storage-path", self.dir / "mongo",
                                       "--log-level", "WARNING"], logs, port=ports["mongo"])
        self.stripe = Service("stripe", [f"{opts.venv}/bin/localstripe", "--port", ports["stripe"]],
                              logs, port=ports["stripe"])
        # The simulator's own limit is above the client's, so that only a fault makes 429s.
        self.sim = Service("notion-sim", [opts.sim, "--pages", PAGES, "--seed", SEED, "--port", ports["sim"],
                                          "--rate", NOTION_RATE * 2, "--burst", NOTION_RATE,
                                          "--latency-ms", "2,10"], logs, port=ports["sim"])
        self.llm = FakeLlm(ports["llm"])
        self.env = self.environment()
        worker_env = dict(self.env, NOTION_GRAPH_WORKER_METRICS_ADDR=f"127.0.0.1:{ports['worker']}")
        self.serve = Service("serve", [opts.bin, "--data-dir", self.data, "serve", "--port", ports["serve"]],
                             logs, env=self.env, port=ports["serve"])
        self.worker = Service("worker", [opts.bin, "--data-dir", self.data, "worker"], logs,
                              env=worker_env, port=ports["worker"])
        self.services = [self.redis, self.mongo, self.stripe, self.sim, self.serve, self.worker]

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOTION_GRAPH_")}
        env.update({
            "MONGODB_URI": self.mongo_uri,
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/",
            "NOTION_GRAPH_MONGODB_DATABASE": DATABASE,
            "NOTION_GRAPH_REDIS_PREFIX": "faults",
            "NOTION_GRAPH_NOTION_API_URL": self.sim_url,
            "NOTION_GRAPH_NOTION_RATE": str(NOTION_RATE),
            "NOTION_GRAPH_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "NOTION_GRAPH_DEFAULT_PLAN": "team",
            "NOTION_GRAPH_STRIPE_SECRET_KEY": "sk_test_faults",
            "NOTION_GRAPH_STRIPE_API_BASE": f"http://127.0.0.1:{self.ports['stripe']}",
            "NOTION_GRAPH_STRIPE_WEBHOOK_SECRETS": STRIPE_SECRET,
            "NOTION_GRAPH_LLM_BASE_URL": f"http://127.0.0.1:{self.ports['llm']}/v1",
            "NOTION_GRAPH_LLM_MODEL": "fake",
            # JSON lines, so that the worker's "stripe event processed" lines can be counted.
            "NOTION_GRAPH_LOG_FORMAT": "json",
            "RUST_LOG": "warn,notion_graph::modules::payments::jobs=info",
        })
        return env

    async def start(self):
        for service in [self.redis, self.mongo, self.stripe, self.sim]:
            await service.start()
        await self.llm.start()
        await self.serve.start()
        await self.worker.start()

    async def stop(self):
        for service in reversed(self.services):
            service.stop()
        await self.llm.stop()

    def cli(self, *args, stdin=None):
        """The binary's command line against this stack's store, as an operator runs it."""
        argv = [self.opts.bin, "--data-dir", str(self.data), *args]
        done = subprocess.run(argv, env=self.env, input=stdin, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def db(self):
        """A short-timeout client: while MongoDB is down a check fails fast instead of hanging."""
        client = pymongo.MongoClient(self.mongo_uri, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)
        return client, client[DATABASE]

    def sim_token(self):
        found = re.search(r"token: (\S+)", self.sim.log.read_text())
        return found.group(1)


def redis_command(port, *words):
    """One Redis command over RESP, without a client library."""
    payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(payload.encode())
        return s.recv(4096).decode().strip()


# --- load --------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # "read", "assistant" or "webhook"
    start: float
    end: float
    status: int  # 0: no answer (refused, reset, timed out)
    path: str = ""
    degraded: bool = False  # answered, but not as it should be (the assistant without its model)
    why: str = ""  # what the degraded answer said went wrong

    @property
    def ok(self):
        return 200 <= self.status < 400

    @property
    def good(self):
        return self.ok and not self.degraded


@dataclass
class Load:
    """Everything the load does and sees during one scenario."""

    stack: Stack
    http: aiohttp.ClientSession
    headers: dict
    graph_ws: str
    samples: list = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    import_ws: str = ""
    conversation: str = ""
    new_events_until: float = math.inf
    sent: dict = field(default_factory=dict)  # event id -> body, as Stripe keeps it
    created: dict = field(default_factory=dict)  # event id -> when it was first sent
    accepted: set = field(default_factory=set)  # answered 200 at least once
    undelivered: set = field(default_factory=set)
    deliveries: int = 0

    async def request(self, kind, method, path, body=None, headers=None):
        """One request, timed and recorded; answers (its sample, the parsed JSON body or None)."""
        start, status, data = now(), 0, None
        try:
            async with self.http.request(method, self.stack.base + path, data=body,
                                         headers=headers or self.headers) as response:
                status = response.status
                raw = await response.read()
                if response.content_type == "application/json":
                    data = json.loads(raw)
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
            pass
        sample = Sample(kind, start, now(), status, path)
        self.samples.append(sample)
        return sample, data

    def read_paths(self):
        """What a signed-in user's dashboard and graph page ask for."""
        graph = f"/api/v1/workspaces/{self.graph_ws}"
        paths = ["/api/v1/me", "/api/v1/workspaces", f"{graph}/graph?view=summary&top=50",
                 f"{graph}/graph?view=search&text=Roadmap&limit=20", f"/workspaces/{self.graph_ws}"]
        if self.import_ws:
            paths += [f"/api/v1/workspaces/{self.import_ws}", f"/api/v1/workspaces/{self.import_ws}/syncs"]
        return paths

    async def reader(self):
        while not self.stop.is_set():
            await self.request("read", "GET", random.choice(self.read_paths()))
            await asyncio.sleep(0.05)

    async def asker(self):
        """One assistant question every 1.5 s (the assistant allows one a second)."""
        while not self.stop.is_set():
            body = json.dumps({"text": "what are the hubs?"})
            sample, reply = await self.request("assistant", "POST",
                                               f"/api/v1/assistant/conversations/{self.conversation}/messages",
                                               body, self.json_headers())
            failed = re.search(MODEL_FAILED + r" \(([^)]*)\)", json.dumps(reply)) if sample.ok else None
            sample.degraded, sample.why = failed is not None, failed.group(1) if failed else ""
            await asyncio.sleep(1.5)

    def json_headers(self):
        return dict(self.headers, **{"Content-Type": "application/json"})

    # Stripe's side of the webhooks.

    def next_event(self):
        """A refused delivery is retried (as Stripe does), a fifth are redeliveries of a known
        event; the rest are new events, until new_events_until."""
        if self.undelivered and random.random() < 0.5:
            return random.choice(sorted(self.undelivered))
        if self.sent and random.random() < 0.2:
            return random.choice(list(self.sent))
        if now() > self.new_events_until:
            return None
        event = f"evt_faults_{len(self.sent) + 1:05d}"
        self.created[event] = now()
        self.sent[event] = json.dumps({
            "id": event, "object": "event", "type": "customer.subscription.updated",
            "created": int(time.time()),
            "data": {"object": {"id": f"sub_faults_{len(self.sent) % 7}", "object": "subscription",
                                "customer": f"cus_faults_{len(self.sent) % 5}"}}})
        return event

    async def webhooks(self):
        """Stripe delivers concurrently: each delivery is a task of its own, 16 at most in flight
        (a slow answer must not slow the arrivals down)."""
        slots, in_flight = asyncio.Semaphore(16), set()
        while not self.stop.is_set():
            event = self.next_event()
            if event is not None:
                await slots.acquire()
                task = asyncio.create_task(self.deliver(event))
                task.add_done_callback(lambda t: (slots.release(), in_flight.discard(t)))
                in_flight.add(task)
            await asyncio.sleep(1 / WEBHOOKS_PER_S)
        await asyncio.gather(*in_flight)

    async def deliver(self, event):
        body = self.sent[event]
        stamp = int(time.time())
        v1 = hmac.new(STRIPE_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={v1}"}
        sample, _ = await self.request("webhook", "POST", "/api/webhooks/stripe", body, headers)
        self.deliveries += 1
        if sample.ok:
            self.accepted.add(event)
            self.undelivered.discard(event)
        else:
            self.undelivered.add(event)


async def sign_in(stack, http):
    body = json.dumps({"email": EMAIL, "password": PASSWORD})
    async with http.post(f"{stack.base}/api/v1/auth/login", data=body,
                         headers={"Content-Type": "application/json"}) as r:
        if r.status != 200:
            raise RuntimeError(f"login: {r.status} {await r.text()}")
        session = r.cookies["__Host-ng_session"].value
        csrf = (await r.json())["csrf_token"]
    return {"Cookie": f"__Host-ng_session={session}", "X-CSRF-Token": csrf}


async def prepare(stack, http):
    """A user with a graph workspace (from an edge list, so no Notion is needed), signed in."""
    stack.cli("admin", "create-user", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    stack.cli("--user", EMAIL, "graph", "import-edges", stack.opts.edges, "--name", "Graph")
    headers = await sign_in(stack, http)
    async with http.get(f"{stack.base}/api/v1/workspaces", headers=headers) as r:
        graph_ws = (await r.json())[0]["id"]
    load = Load(stack, http, headers, graph_ws)
    body = json.dumps({"workspace": graph_ws})
    async with http.post(f"{stack.base}/api/v1/assistant/conversations", data=body,
                         headers=load.json_headers()) as r:
        load.conversation = (await r.json())["id"]
    return load


async def connect_import(load):
    """Connects the simulator's workspace, which queues its full import for the worker."""
    body = json.dumps({"token": load.stack.sim_token()})
    sample, view = await load.request("read", "POST", "/api/v1/workspaces", body, load.json_headers())
    if sample.status != 201:
        raise RuntimeError(f"connecting the workspace answered {sample.status}")
    load.import_ws = view["id"]


# --- faults ------------------------------------------------------------------------------


class Fault:
    """A fault: `inject` starts it, `remove` ends it and returns once the dependency answers
    again. `notes` collects what the fault itself observed (e.g. what survived a restart)."""

    name = ""
    hold_s = 15  # how long the fault lasts
    asks_assistant = False

    def __init__(self):
        self.notes = []

    async def inject(self, stack):
        raise NotImplementedError

    async def remove(self, stack):
        raise NotImplementedError

    async def afterwards(self, opts):
        """Measurements of the fault's own, once the scenario's services are stopped."""


class NoFault(Fault):
    """The control: the same load and import with nothing failing, to compare the others with."""

    name = "none (control)"

    async def inject(self, stack):
        pass

    async def remove(self, stack):
        pass


class RedisRestart(Fault):
    name, hold_s = "Redis killed (-9) and restarted", 5

    async def inject(self, stack):
        # No pause for the append-only file's fsync (every second): a crash does not wait either.
        self.keys = redis_command(stack.ports["redis"], "DBSIZE")
        stack.redis.kill()

    async def remove(self, stack):
        await stack.redis.start()
        self.notes.append(f"Redis keys {self.keys.lstrip(':')} before the kill, "
                          f"{redis_command(stack.ports['redis'], 'DBSIZE').lstrip(':')} after the restart")


class MongoRestart(Fault):
    name, hold_s = "MongoDB (SecantusDB) killed (-9) and restarted", 5

    async def inject(self, stack):
        self.before = await asyncio.to_thread(collection_counts, stack)
        self.probe = AckProbe(stack.mongo_uri)
        self.probe.start()
        await asyncio.sleep(0.5)  # the probe is writing when the kill comes
        stack.mongo.kill()
        self.probe.thread.join()

    async def remove(self, stack):
        await stack.mongo.start()
        after = await asyncio.to_thread(collection_counts, stack, 30)
        lost = {c: (n, after.get(c, 0)) for c, n in self.before.items() if after.get(c, 0) < n}
        kept = sum(self.before.values())
        self.notes.append(f"persistence: {kept} documents in {len(self.before)} collections before the "
                          f"kill; after the restart " +
                          ("every one is there" if not lost else f"FEWER in {lost} (before, after)"))
        missing = await asyncio.to_thread(self.probe.missing)
        self.notes.append(f"acknowledged writes taken back by the kill (a probe writing with the service's "
                          f"MONGODB_URI): {missing} of {len(self.probe.acked)}")

    async def afterwards(self, opts):
        # Under the scenario's load the probe gets few writes in; on an idle server of its own it
        # writes as fast as acknowledgements come, which shows what the write concern allows.
        for options in ["", "&journal=true"]:
            lost, acked = await durability(opts, options)
            self.notes.append(f"an idle server killed (-9) while a probe wrote with MONGODB_URI "
                              f"“…{options or ' (no options)'}”: {lost} of {acked} acknowledged writes gone "
                              f"after the restart")


async def durability(opts, options, write_s=1.5):
    """Starts a SecantusDB of its own, kills it while a probe writes, restarts it on the same
    data; answers (acknowledged writes missing, acknowledged writes)."""
    port, path = free_port(), Path(opts.run_dir) / f"durability{len(options)}"
    server = Service("durability-mongo", [f"{opts.venv}/bin/secantusd-py", "--host", "127.0.0.1", "--port", port,
                                          "--storage-path", path, "--log-level", "WARNING"],
                     Path(opts.run_dir), port=port)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false{options}"
    try:
        await server.start()
        probe = AckProbe(uri)
        probe.start()
        await asyncio.sleep(write_s)
        server.kill()
        probe.thread.join()
        await server.start()
        return await asyncio.to_thread(probe.missing), len(probe.acked)
    finally:
        server.stop()


class AckProbe:
    """Inserts numbered documents into a database of its own, one after another, until the
    server dies: how many of those it acknowledged are gone after the restart tells what the
    write concern of MONGODB_URI guarantees (the service writes with the same)."""

    def __init__(self, uri):
        self.uri, self.acked = uri, []
        self.thread = threading.Thread(target=self.write, daemon=True)

    def start(self):
        self.thread.start()

    def write(self):
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=2000, socketTimeoutMS=2000)
        try:
            for n in range(10**7):
                client.faults_probe.acks.insert_one({"_id": n})
                self.acked.append(n)
        except pymongo.errors.PyMongoError:
            pass
        finally:
            client.close()

    def missing(self):
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=10000)
        try:
            found = {d["_id"] for d in client.faults_probe.acks.find({})}
            return sum(1 for n in self.acked if n not in found)
        finally:
            client.close()


def collection_counts(stack, attempts=1):
    for attempt in range(attempts):
        client, db = stack.db()
        try:
            return {name: db[name].count_documents({}) for name in db.list_collection_names()}
        except pymongo.errors.PyMongoError:
            time.sleep(1)
        finally:
            client.close()
    return {}


class NotionErrors(Fault):
    name = "Notion answering 5xx (80 % of calls)"

    async def inject(self, stack):
        await sim_control(stack, "faults", {"rate": 0.8, "kinds": ["Status500", "Status502", "Status503", "Status504"]})

    async def remove(self, stack):
        await sim_control(stack, "faults", {"rate": 0.0})


class NotionRateLimited(Fault):
    name = "Notion answering 429 (1 call/s allowed)"

    async def inject(self, stack):
        await sim_control(stack, "rate_limit", {"per_second": 1.0, "burst": 1})

    async def remove(self, stack):
        await sim_control(stack, "rate_limit", {"per_second": NOTION_RATE * 2.0, "burst": NOTION_RATE})


async def sim_control(stack, knob, body):
    async with aiohttp.ClientSession() as http:
        async with http.put(f"{stack.sim_url}/_sim/{knob}", json=body) as r:
            r.raise_for_status()


class StripeDown(Fault):
    name = "Stripe unreachable (port closed)"

    async def inject(self, stack):
        stack.stripe.kill()

    async def remove(self, stack):
        await stack.stripe.start()


class LlmDown(Fault):
    name, asks_assistant = "LLM unreachable (port closed)", True

    async def inject(self, stack):
        await stack.llm.stop()

    async def remove(self, stack):
        await stack.llm.start()


FAULTS = {"none": NoFault, "redis": RedisRestart, "mongo": MongoRestart, "notion-5xx": NotionErrors,
          "notion-429": NotionRateLimited, "stripe": StripeDown, "llm": LlmDown}


# --- one scenario ------------------------------------------------------------------------


@dataclass
class Outcome:
    """One scenario's figures; times are time.monotonic() readings."""

    fault: Fault
    samples: list
    fault_start: float
    fault_end: float
    import_done: float | None  # the full import completed
    webhooks_done: float | None  # every event sent before the fault's end was processed
    notion: list  # (time, Notion calls answered other than by a fault, 429s, faults)
    lags: list  # (time, how late a 100 ms timer of this driver fired, s)
    load_average: tuple = (0.0, 0.0)  # the machine's 1-minute load average at the start and end
    checks: list = field(default_factory=list)  # (passed, text)
    notes: list = field(default_factory=list)  # the checks' (the fault's own are in fault.notes)


async def run_scenario(opts, key):
    fault = FAULTS[key]()
    stack = Stack(opts, key)
    try:
        await stack.start()
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
            load = await prepare(stack, http)
            outcome = await under_load(stack, load, fault)
    finally:
        await stack.stop()
    await fault.afterwards(opts)
    return outcome


async def under_load(stack, load, fault):
    tasks = [asyncio.create_task(load.reader()) for _ in range(READERS)]
    tasks.append(asyncio.create_task(load.webhooks()))
    if fault.asks_assistant:
        tasks.append(asyncio.create_task(load.asker()))
    notion, lags = [], []
    tasks.append(asyncio.create_task(watch_notion(stack, load.stop, notion)))
    tasks.append(asyncio.create_task(watch_lag(load.stop, lags)))
    load_average = os.getloadavg()[0]
    await connect_import(load)
    await asyncio.sleep(BASELINE_S)
    fault_start = now()
    await fault.inject(stack)
    await asyncio.sleep(fault.hold_s)
    await fault.remove(stack)
    fault_end = now()
    load.new_events_until = fault_end + NEW_EVENTS_AFTER_S
    outcome = Outcome(fault, load.samples, fault_start, fault_end, None, None, notion, lags)
    await settle(stack, load, outcome)
    load.stop.set()
    await asyncio.gather(*tasks)
    outcome.load_average = (load_average, os.getloadavg()[0])
    outcome.checks, outcome.notes = await asyncio.to_thread(verify, stack, load)
    return outcome


async def watch_notion(stack, stop, series):
    """The simulator's counters every half second: how the import's calls to Notion fared."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while not stop.is_set():
            try:
                async with http.get(f"{stack.sim_url}/_sim/stats") as r:
                    stats = await r.json()
                series.append((now(), stats["total"] - stats["faults"], stats["rate_limited"], stats["faults"]))
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)


async def watch_lag(stop, lags):
    """How late this process's own timers fire: a long delay means the machine (or this
    driver) stalled, so the service cannot be blamed for what was measured meanwhile."""
    while not stop.is_set():
        asked = now()
        await asyncio.sleep(0.1)
        lags.append((asked, now() - asked - 0.1))


async def settle(stack, load, outcome):
    """Waits (at most OBSERVE_S) until the import is complete, every webhook was delivered and
    processed, and requests have gone well for SETTLE_S; notes when the import and the
    webhooks of up to the fault's end were done."""
    before_end = [e for e, t in load.created.items() if t <= outcome.fault_end]
    while now() < outcome.fault_end + OBSERVE_S:
        await asyncio.sleep(0.5)
        if outcome.import_done is None and await asyncio.to_thread(import_completed, stack, load.import_ws):
            outcome.import_done = now()
        if outcome.webhooks_done is None and await asyncio.to_thread(all_processed, stack, before_end):
            outcome.webhooks_done = now()
        if outcome.import_done and now() > load.new_events_until and not load.undelivered \
                and await asyncio.to_thread(all_processed, stack, list(load.sent)) and recent_all_good(load):
            break


def recent_all_good(load):
    recent = [s for s in load.samples if s.kind != "webhook" and s.start > now() - SETTLE_S]
    return recent and all(s.good for s in recent)


def import_completed(stack, connection):
    client, db = stack.db()
    try:
        return db.sync_runs.count_documents({"b.connection": connection, "b.kind": "full",
                                             "b.state": "completed"}) > 0
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


def all_processed(stack, sent):
    client, db = stack.db()
    try:
        return db.billing_stripe_events.count_documents(
            {"_id": {"$in": list(sent)}, "b.processed_at": {"$ne": None}}) == len(sent)
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


# --- what was lost or doubled ------------------------------------------------------------


def verify(stack, load):
    """The checks after the fault: (passed, text) each, plus notes for the details."""
    client, db = stack.db()
    try:
        truth = fetch_json(f"{stack.sim_url}/_sim/truth")
        return [check_import(db, truth, load.import_ws), check_webhooks(db, stack, load),
                check_dead_letters(db)], run_history(db, load.import_ws)
    finally:
        client.close()


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def expected(truth):
    """What a complete import holds (tests/api/sync_import.rs `expected`): live pages, and the
    links of live pages (a synced reference into an unreadable page cannot be resolved)."""
    pages = {p["id"]: p for p in truth["pages"]}

    def live(i):
        return i in pages and pages[i]["shared"] and not pages[i]["trashed"]

    entities = {i for i in pages if live(i)}
    edges = {(e["source"], e["target"], e["kind"]) for e in truth["edges"] if live(e["source"])
             and (e["kind"] != "synced_block" or pages.get(e["target"], {}).get("shared"))}
    return entities, edges, set(pages)


def check_import(db, truth, connection):
    want_pages, want_links, known = expected(truth)
    docs = list(db.notion_entities.find({"b.connection": connection}, {"b.notion_id": 1, "b.shared": 1,
                                                                       "b.in_trash": 1}))
    ids = Counter(d["b"]["notion_id"] for d in docs)
    pages = {d["b"]["notion_id"] for d in docs if d["b"]["shared"] and not d["b"]["in_trash"]}
    links = {(d["b"]["source"], d["b"]["target"], d["b"]["kind"])
             for d in db.notion_edges.find({"b.connection": connection}, {"b.source": 1, "b.target": 1, "b.kind": 1})}
    # As the test does: a reference to an original nobody can read stays dangling; not comparable.
    links = {e for e in links if e[2] != "synced_block" or e[1] in known}
    doubled = sum(n - 1 for n in ids.values() if n > 1)
    passed = pages == want_pages and links == want_links and doubled == 0
    text = (f"pages {len(pages)}/{len(want_pages)} (missing {len(want_pages - pages)}, extra {len(pages - want_pages)}), "
            f"links {len(links)}/{len(want_links)} (missing {len(want_links - links)}, extra {len(links - want_links)})")
    if doubled:
        text += f", {doubled} pages stored twice"
    return passed, text


def check_webhooks(db, stack, load):
    """Every event sent is stored once and processed. An event answered 200 but not stored was
    lost: Stripe does not send it again. Runs to completion are counted from the worker's log:
    an event redelivered before it was processed is queued again, so it may run twice
    (harmless, the job is idempotent; the table says how often)."""
    sent = set(load.sent)
    stored = {d["_id"]: d["b"] for d in db.billing_stripe_events.find({})}
    processed = {i for i in sent if stored.get(i, {}).get("processed_at")}
    lost = sorted(load.accepted - set(stored))
    runs = Counter(processed_events(stack.worker.log))
    twice = sum(1 for i in sent if runs[i] > 1)
    passed = processed == sent and set(stored) == sent and not load.undelivered
    text = f"webhooks {len(processed)}/{len(sent)} processed"
    if lost:
        text += f", {len(lost)} answered 200 but not stored ({', '.join(lost[:3])})"
    if set(stored) - sent:
        text += f", {len(set(stored) - sent)} stored that were never sent"
    if load.undelivered:
        text += f", {len(load.undelivered)} never accepted"
    return passed, text + f", {twice} ran twice"


def processed_events(log):
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if str(entry.get("message", "")).startswith("stripe event") and entry.get("event"):
            yield entry["event"]


def check_dead_letters(db):
    queues = Counter(d["b"].get("queue") for d in db.dead_jobs.find({}))
    return not queues, f"dead letters {sum(queues.values())}" + (f" {dict(queues)}" if queues else "")


def run_history(db, connection):
    runs = sorted(db.sync_runs.find({"b.connection": connection}), key=lambda d: d["b"]["started_at"])
    described = [f"{r['b']['kind']} {r['b']['state']} (resumed {r['b'].get('resumed', 0)}"
                 + (f", error: {r['b']['error']}" if r["b"].get("error") else "") + ")" for r in runs]
    return [f"sync runs: {'; '.join(described) or 'none'}"]


# --- the table ---------------------------------------------------------------------------


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def latency(samples):
    ms = [(s.end - s.start) * 1000 for s in samples]
    return f"{percentile(ms, 0.5):.0f} / {percentile(ms, 0.99):.0f} ms" if ms else "-"


def recovery(outcome):
    """From the fault's end (the dependency answering again) to the end of the first request
    that went well after the last one that did not; degraded answers count as not well."""
    after = [s for s in outcome.samples if s.kind != "webhook" and s.start >= outcome.fault_start]
    bad = [s for s in after if not s.good]
    if not bad:
        return "no errors"
    last_bad = max(s.start for s in bad)
    later = [s.end for s in after if s.good and s.start > last_bad]
    if not later:
        return f"not within {OBSERVE_S} s"
    return f"{max(0.0, min(later) - outcome.fault_end):.1f} s"


def after_fault(outcome, moment, what):
    if moment is None:
        return f"{what} not within {OBSERVE_S} s"
    if moment < outcome.fault_start:
        return f"{what} before the fault"
    return f"{what} {moment - outcome.fault_end:+.1f} s"


def row(outcome):
    users = [s for s in outcome.samples if s.kind != "webhook"]
    during = [s for s in users if outcome.fault_start <= s.start < outcome.fault_end]
    failed = sum(1 for s in during if not s.ok)
    rate = f"{100 * failed / len(during):.1f} %" if during else "-"
    done = after_fault(outcome, outcome.import_done, "import") + ", " + \
        after_fault(outcome, outcome.webhooks_done, "webhooks")
    passed = all(p for p, _ in outcome.checks)
    check = ("ok: " if passed else "FAIL: ") + "; ".join(t for _, t in outcome.checks)
    return [outcome.fault.name, str(len(during)), rate, latency(during), recovery(outcome), done, check]


def route(path):
    """A path by pattern, so that failures group by route."""
    return re.sub(r"/(workspaces|conversations)/[^/?]+", r"/\1/{id}", path.split("?")[0])


def notion_at(series, moment):
    """The simulator's counters as last read at or before `moment`."""
    earlier = [r for r in series if r[0] <= moment]
    return earlier[-1] if earlier else series[0]


def notion_lines(outcome):
    """The import's side: its Notion calls per second before, during and after the fault, the
    429s and faults it was answered, and when its calls went through again."""
    series, start, end = outcome.notion, outcome.fault_start, outcome.fault_end
    if not series:
        return []
    first, at_start, at_end = series[0], notion_at(series, start), notion_at(series, end)
    last = notion_at(series, min(series[-1][0], end + 10))

    def rate(a, b):
        return f"{(b[1] - a[1]) / max(b[0] - a[0], 1e-9):.0f}/s"

    moved = [r[0] for r in series if r[0] > end and r[1] > at_end[1]]
    if moved:
        resumed = f"+{moved[0] - end:.1f} s"
    elif outcome.import_done is not None:
        resumed = "(none were needed: the import finished)"
    else:
        resumed = f"not within {OBSERVE_S} s"
    return [f"Notion calls answered (not by a fault): before {rate(first, at_start)}, during "
            f"{rate(at_start, at_end)}, the 10 s after {rate(at_end, last)}; during the fault "
            f"{at_end[2] - at_start[2]} answered 429 and {at_end[3] - at_start[3]} with a fault; "
            f"after it the import's calls went through again {resumed}"]


def details(outcome):
    users = [s for s in outcome.samples if s.kind == "read"]
    before = [s for s in users if s.start < outcome.fault_start]
    during = [s for s in users if outcome.fault_start <= s.start < outcome.fault_end]
    after = [s for s in users if s.start >= outcome.fault_end]
    hooks_during = [s for s in outcome.samples if s.kind == "webhook"
                    and outcome.fault_start <= s.start < outcome.fault_end]
    failed = Counter(f"{s.status or 'no answer'} {route(s.path)}" for s in outcome.samples
                     if not s.ok and s.kind != "webhook")
    lines = [f"fault held {outcome.fault_end - outcome.fault_start:.1f} s (until the dependency answered again)",
             f"reads p50 / p99: before {latency(before)}, during {latency(during)}, after {latency(after)}",
             "failed requests: " + (", ".join(f"{n} × {k}" for k, n in failed.most_common()) or "none"),
             f"webhook deliveries during the fault: {len(hooks_during)}, refused "
             f"{sum(1 for s in hooks_during if not s.ok)} (statuses "
             f"{dict(Counter(s.status for s in hooks_during if not s.ok)) or '-'}), p50 / p99 {latency(hooks_during)}"]
    lines += notion_lines(outcome)
    worst = max(outcome.lags, key=lambda lag: lag[1], default=(outcome.fault_start, 0.0))
    lines.append(f"the machine: load average {outcome.load_average[0]:.1f} at the start, "
                 f"{outcome.load_average[1]:.1f} at the end ({os.cpu_count()} cores); this driver's timers fired at worst "
                 f"{worst[1] * 1000:.0f} ms late (at {worst[0] - outcome.fault_start:+.1f} s from the fault's start)")
    asked = [s for s in outcome.samples if s.kind == "assistant"]
    if asked:
        phases = [("before", lambda s: s.start < outcome.fault_start),
                  ("during", lambda s: outcome.fault_start <= s.start < outcome.fault_end),
                  ("after", lambda s: s.start >= outcome.fault_end)]
        told = ", ".join(f"{name} {sum(1 for s in asked if within(s) and s.degraded)}/"
                         f"{sum(1 for s in asked if within(s))}" for name, within in phases)
        reasons = Counter(s.why for s in asked if s.degraded)
        lines.append(f"assistant: replies saying “{MODEL_FAILED} (…), so the offline planner answered”: "
                     f"{told}; failed {sum(1 for s in asked if not s.ok)}; p50 / p99 during "
                     f"{latency([s for s in asked if phases[1][1](s)])}; the reasons given: "
                     + (", ".join(f"{n} × “{why}”" for why, n in reasons.most_common()) or "-"))
    return lines + outcome.fault.notes + outcome.notes


def markdown(outcomes):
    head = ["fault", "requests during", "error rate during", "p50 / p99 during", "time to recover",
            "import, webhooks done", "lost / doubled"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row(o)) + " |" for o in outcomes]
    lines += ["", "Requests: signed-in API and page reads (and, where the LLM fails, assistant questions) "
              "started while the fault lasted; webhook deliveries are counted apart. Time to recover: from "
              "the dependency answering again to the end of the first request that went well after the last "
              "that did not (an assistant reply without its model counts as not well). Import, webhooks done: "
              "when the full import had completed and every webhook event sent until the fault's end had been "
              "processed, from the same moment. Lost / doubled: pages and links stored against the "
              "simulator's truth, webhook events stored and processed against those sent, dead letters; a "
              "second run of one event is harmless (the job is idempotent) and happens without faults too."]
    for o in outcomes:
        lines += ["", f"**{o.fault.name}**", ""] + [f"- {d}" for d in details(o)]
    return "\n".join(lines) + "\n"


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ["--bin", "--sim", "--venv", "--run-dir", "--edges", "--out"]:
        parser.add_argument(flag, required=True)
    parser.add_argument("scenarios", nargs="*", help=f"some of: {' '.join(FAULTS)} (default: all)")
    opts = parser.parse_args()
    unknown = set(opts.scenarios) - set(FAULTS)
    if unknown:
        parser.error(f"unknown scenario {' '.join(sorted(unknown))}; one of: {' '.join(FAULTS)}")
    # A TERM cancels the run like Ctrl-C does, so that each scenario still stops its services.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    outcomes = []
    for key in opts.scenarios or FAULTS:
        started = now()
        print(f"[faults] {key} ...", flush=True)
        outcomes.append(await run_scenario(opts, key))
        print(f"[faults] {key} took {now() - started:.0f} s", flush=True)
    table = markdown(outcomes)
    Path(opts.out).write_text(table)
    print(table)
    return 0 if all(p for o in outcomes for p, _ in o.checks) else 1


if __name__ == "__main__":
    try:
        raise SystemExit(asyncio.run(main()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("[faults] stopped before the end (the services it started are stopped)", flush=True)
        raise SystemExit(130)
