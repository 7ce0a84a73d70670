#!/usr/bin/env bash
# The A2A conformance kit (a2aproject/a2a-tck), run side by side on our push server and on an
# @a2a-js/sdk 1.3 server with the same agents (bench/src/tck-sut.ts): the v1.0 kit (main branch at
# TCK_V1) and the v0.3 kit (tag 0.3.0.beta4), over JSON-RPC; then the v1.0 kit over HTTP+JSON
# (`--transports rest`) and its transport-equivalence category (tests/optional/multi_transport,
# marker transport_equivalence, `--transports jsonrpc,rest`), both servers serving JSON-RPC and
# HTTP+JSON on the same URL; then the v1.0 kit over gRPC (`--transports grpc`) and the
# transport-equivalence category over all three (`--transports jsonrpc,rest,grpc`), both servers
# adding their gRPC binding on a second port (ours: @molecule-ai/grpc; the official one:
# @a2a-js/sdk/server/grpc), listed in their cards. Prints, per kit, run and agent, the tests each
# passes and every test the official server passes that ours does not (exit 1 if there is one).
#
#   ./dev bash bench/tck/run.sh            (from the repository root; needs Python 3.11 and pip)
#   TCK_SRC=/path/to/a2a-tck ./dev bash bench/tck/run.sh   (a local clone instead of GitHub)
#   TCK_ONLY="rest equivalence" ./dev bash bench/tck/run.sh
#       (only these runs: v1.0 v0.3 rest equivalence grpc equivalence3)
#   TCK_AGENTS=working ./dev bash bench/tck/run.sh          (only these agents: working multiturn)
#
# The kit's code and its virtualenv live in bench/tck/.work/ (git-ignored); none of it is committed.
set -euo pipefail
TCK_V1="410ba92e1b264df895e1fe6eccfe22db7aeaab06"   # main, 2026-03-13 ("Rename blocking to return_immediately")
TCK_V03="eb1f804c27ea25db8805264d9ed2d7ca077a7776"  # tag 0.3.0.beta4
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/bench/tck/.work"
mkdir -p "$WORK"
command -v python3 >/dev/null || { echo "tck: no python3 on PATH, nothing run"; exit 0; }

src="${TCK_SRC:-$WORK/a2a-tck.git}"
for c in "$TCK_V1" "$TCK_V03"; do
  if [ ! -d "$WORK/kit-$c" ]; then
    if [ ! -d "$src" ]; then git clone -q --bare https://github.com/a2aproject/a2a-tck "$src"; fi
    mkdir -p "$WORK/kit-$c" && git -C "$src" archive "$c" | tar -x -C "$WORK/kit-$c"
  fi
done
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q -r "$WORK/kit-$TCK_V1/requirements.txt" \
    -r "$WORK/kit-$TCK_V03/requirements.txt" python-dotenv grpcio-status proto-plus protobuf \
    pyOpenSSL aiohttp pytest-timeout
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# run <kit commit> <label> <transports> <impl> <agent> [legacy|rest|grpc]  (the URL without its
# trailing slash: the kit appends "/.well-known/agent-card.json" to it). Labels "equivalence" and
# "equivalence3" run only the transport-equivalence category.
run() {
  local kit="$1" label="$2" transports="$3"; shift 3
  # --test-scope all: without it the kit skips its optional tests (5 of them exercise the proto
  # field names over JSON-RPC v1.0, which a run without it never saw refused).
  local out="$WORK/$label-$1-$2.json" urlf="$WORK/sut.url" tests=(tests/mandatory tests/optional --test-scope all)
  if [ -n "${TCK_ONLY:-}" ] && [[ " $TCK_ONLY " != *" $label "* ]]; then return; fi
  rm -f "$out"
  # The category as run_tck.py runs it (its tests skip without --test-scope all).
  [[ "$label" = equivalence* ]] && tests=(tests/optional/multi_transport -m transport_equivalence --test-scope all)
  rm -f "$urlf"
  node "$ROOT/bench/src/tck-sut.ts" "$@" >"$urlf" &
  local pid=$!
  pids+=("$pid")
  until [ -s "$urlf" ]; do kill -0 "$pid" || { echo "tck: the $1 server did not start"; exit 1; }; sleep 0.2; done
  (cd "$WORK/kit-$kit" && TCK_STREAMING_TIMEOUT=2.0 "$WORK/venv/bin/python" -m pytest \
    "${tests[@]}" --sut-url "$(sed 's#/$##' "$urlf")" --transports "$transports" \
    -p no:cacheprovider -q --timeout 60 --json-report --json-report-file "$out" >"$out.log" 2>&1) || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for agent in ${TCK_AGENTS:-working multiturn}; do
  run "$TCK_V1" v1.0 jsonrpc ours "$agent"
  run "$TCK_V1" v1.0 jsonrpc official "$agent"
  run "$TCK_V03" v0.3 jsonrpc ours "$agent"
  run "$TCK_V03" v0.3 jsonrpc official "$agent" legacy
  run "$TCK_V1" rest rest ours "$agent"
  run "$TCK_V1" rest rest official "$agent" rest
  run "$TCK_V1" equivalence jsonrpc,rest ours "$agent"
  run "$TCK_V1" equivalence jsonrpc,rest official "$agent" rest
  run "$TCK_V1" grpc grpc ours "$agent" grpc
  run "$TCK_V1" grpc grpc official "$agent" grpc
  run "$TCK_V1" equivalence3 jsonrpc,rest,grpc ours "$agent" grpc
  run "$TCK_V1" equivalence3 jsonrpc,rest,grpc official "$agent" grpc
done

"$WORK/venv/bin/python" - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
def outcomes(name):
    try:
        d = json.load(open(f"{work}/{name}.json"))
    except FileNotFoundError:
        return {}
    return {t["nodeid"]: t["outcome"] for t in d.get("tests", [])}
missing = 0
for kit in ("v1.0", "v0.3", "rest", "equivalence", "grpc", "equivalence3"):
    for agent in ("working", "multiturn"):
        ours, off = outcomes(f"{kit}-ours-{agent}"), outcomes(f"{kit}-official-{agent}")
        if not ours and not off:
            continue
        def count(o, pre=""):
            return sum(1 for k, v in o.items() if v == "passed" and k.startswith(pre))
        lt = "tests/mandatory/protocol/test_tasks_list_method.py"
        name = {"v1.0": "v1.0 kit", "v0.3": "v0.3 kit", "rest": "v1.0 kit over HTTP+JSON",
                "equivalence": "v1.0 kit, transport-equivalence (JSON-RPC + HTTP+JSON)",
                "grpc": "v1.0 kit over gRPC",
                "equivalence3": "v1.0 kit, transport-equivalence (JSON-RPC + HTTP+JSON + gRPC)"}[kit]
        def skipped(o):
            return sum(1 for v in o.values() if v == "skipped")
        print(f"{name}, {agent} agent: ours {count(ours)} passed ({count(ours, 'tests/mandatory')} mandatory, "
              f"ListTasks {count(ours, lt)}), @a2a-js/sdk 1.3 {count(off)} ({count(off, 'tests/mandatory')}, {count(off, lt)}); skipped: ours {skipped(ours)}, @a2a-js/sdk {skipped(off)}")
        for k in sorted(off):
            if off[k] == "passed" and ours.get(k) != "passed":
                missing += 1
                print(f"  official passes, ours {ours.get(k)}: {k}")
sys.exit(1 if missing else 0)
PY
