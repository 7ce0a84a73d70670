# fleet's Python side: the same fleet as fleet-run.ts, run by the Python reference SDK
# (molecule_agent, imported from the checkout BENCH_PYTHON_SDK points at: PYTHONPATH), one thread
# per agent as its README runs one: RemoteAgentClient.run_agent_loop with PollDelivery at the
# heartbeat cadence (heartbeat + inbox + state check every FLEET_HEARTBEAT_MS). This file is our
# harness only; it does not contain or build the SDK.
#
# Reads FLEET_URL, FLEET_WORKSPACES (JSON: warmup + workspaces with id and token), FLEET_WINDOW_MS,
# FLEET_HEARTBEAT_MS. Prints JSON lines on stdout: {"event": "started"} once every agent has
# registered, then {"event": "result", ...} with the fields fleet.ts reads (as fleet-run.ts).
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from molecule_agent.client import RemoteAgentClient
from molecule_agent.inbound import PollDelivery

URL = os.environ["FLEET_URL"]
WINDOW_S = float(os.environ["FLEET_WINDOW_MS"]) / 1000
INTERVAL_S = float(os.environ["FLEET_HEARTBEAT_MS"]) / 1000
with open(os.environ["FLEET_WORKSPACES"], encoding="utf8") as f:
    spec = json.load(f)
WORKSPACES = spec["workspaces"]
N = len(WORKSPACES)
TOKENS = Path(tempfile.mkdtemp(prefix="fleet-python-"))


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="utf8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


lock = threading.Lock()
recording = False
last = [0.0] * N
gaps: list[float] = []
handled = 0
registered = 0
failed = 0
heartbeats_failed = 0  # heartbeats that raised during the window
all_registered = threading.Event()


def handler(_message, _client):
    global handled
    with lock:
        handled += 1
    return None


def make_client(ws: dict, index: int | None) -> RemoteAgentClient:
    client = RemoteAgentClient(
        workspace_id=ws["id"],
        platform_url=URL,
        agent_card={"name": f"fleet-{ws['id'][:8]}"},
        token_dir=TOKENS / ws["id"],
        heartbeat_interval=INTERVAL_S,
        state_poll_interval=INTERVAL_S,
        origin=None,
    )
    client.save_token(ws["token"])
    if index is not None:
        heartbeat = client.heartbeat

        def timed_heartbeat(*args, **kwargs):
            global heartbeats_failed
            try:
                heartbeat(*args, **kwargs)
            except Exception:
                if recording:
                    with lock:
                        heartbeats_failed += 1
                raise
            now = time.monotonic()
            with lock:
                if recording and last[index] > 0:
                    gaps.append(now - last[index])
                last[index] = now

        client.heartbeat = timed_heartbeat  # our harness's own timing, on this instance
    return client


def register(client: RemoteAgentClient, attempts: int = 5) -> None:
    # register() at 9622f0b reports url "remote://no-inbound", which the platform refuses (400,
    # not an http(s) URL); a poll agent registers with delivery_mode "poll" and no url, so the
    # harness sends that one request itself, with the SDK's own session and headers.
    for attempt in range(attempts):
        try:
            resp = client._session.post(
                f"{URL}/registry/register",
                json={
                    "id": client.workspace_id,
                    "delivery_mode": "poll",
                    "agent_card": client.agent_card,
                },
                headers=client._request_headers(),
                timeout=10.0,
            )
            resp.raise_for_status()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def run(ws: dict, index: int) -> None:
    global registered, failed
    client = make_client(ws, index)
    try:
        register(client)
        ok = True
    except Exception as exc:
        print(f"fleet-python: agent {index} could not register: {exc}", file=sys.stderr)
        ok = False
    with lock:
        if ok:
            registered += 1
        else:
            failed += 1
        if registered + failed == N:
            all_registered.set()
    if ok:
        client.run_agent_loop(handler, PollDelivery(client, interval=INTERVAL_S))


# A warm-up agent first (first-use costs such as imports and the HTTP stack are not per agent).
warm = make_client(spec["warmup"], None)
register(warm)
for _ in range(20):
    warm.heartbeat()
    warm.poll_state()
del warm
gc.collect()
before = rss_bytes()
threads = [threading.Thread(target=run, args=(ws, i), daemon=True) for i, ws in enumerate(WORKSPACES)]
for t in threads:
    t.start()
# Every agent registered (or gave up after its retries); at most START_LIMIT_S seconds.
START_LIMIT_S = 300
started_in = time.monotonic()
all_registered.wait(START_LIMIT_S)
start_s = time.monotonic() - started_in
window_start = time.monotonic()
cpu_start = time.process_time()
with lock:
    for i in range(N):
        last[i] = window_start
    recording = True
print(json.dumps({"event": "started"}), flush=True)
time.sleep(WINDOW_S)
with lock:
    recording = False
    window_end = time.monotonic()
    for i in range(N):
        gaps.append(window_end - last[i])
cpu = time.process_time() - cpu_start
gc.collect()
during = rss_bytes()
ordered = sorted(gaps)
p99 = ordered[min(len(ordered) - 1, max(0, -(-99 * len(ordered) // 100) - 1))] if ordered else 0
max_gap = ordered[-1] if ordered else 0
print(
    json.dumps(
        {
            "event": "result",
            "agents": N,
            "rssGrowthBytes": during - before,
            "heapUsedGrowthBytes": 0,
            "heapTotalGrowthBytes": 0,
            "externalGrowthBytes": 0,
            "rssBytes": during,
            "rssBeforeBytes": before,
            "heartbeats": len(gaps),
            "heartbeatsFailed": heartbeats_failed,
            "maxGapMs": max_gap * 1000,
            "p99GapMs": p99 * 1000,
            "lateMaxMs": max(0, (max_gap - INTERVAL_S) * 1000),
            "lateP99Ms": max(0, (p99 - INTERVAL_S) * 1000),
            "handled": handled,
            "registered": registered,
            "startMs": start_s * 1000,
            "stopMs": 0,
            "cpuCoreShare": cpu / (window_end - window_start),
            "rssGrowthAfterLastResortGcBytes": during - before,
            "sockets": 0,
            "spaces": {},
        }
    ),
    flush=True,
)
sys.stdout.flush()
os._exit(0)  # the SDK's loops run until the workspace is paused; the measurement is done
