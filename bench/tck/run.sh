#!/usr/bin/env bash
# The A2A conformance kit (a2aproject/a2a-tck), run side by side on our push server and on an
# @a2a-js/sdk 1.3 server with the same agents (bench/src/tck-sut.ts):
#
#   v1.0   the kit's 1.0 line (branch 1.0-dev at TCK_V1, version 1.0.0): one pytest session per
#          server over every transport its card lists (JSON-RPC, HTTP+JSON, gRPC on a second
#          port) and every level (MUST, SHOULD, MAY), the SUT being the kit's scenarios
#          (scenarios/*.feature: what to answer by the prefix of the messageId; agent
#          `scenarios` of tck-sut.ts). Printed per transport and level: passed / failed (SHOULD
#          and MAY failures are the kit's xfails) / skipped, for both servers.
#   v0.3   the v0.3 kit (tag 0.3.0.beta4) over JSON-RPC, with the `working` and `multiturn` agents.
#
# Then every test the official server passes that ours does not (exit 1 if there is one).
#
#   ./dev bash bench/tck/run.sh            (from the repository root; needs Python 3.11 and pip)
#   TCK_SRC=/path/to/a2a-tck ./dev bash bench/tck/run.sh
#       (a local clone, or a bare git directory such as /work/.mirror/a2aproject+a2a-tck/repo,
#       instead of GitHub; it must hold both commits)
#   TCK_ONLY="v1.0" ./dev bash bench/tck/run.sh             (only these runs: v1.0 v0.3)
#   TCK_AGENTS=working ./dev bash bench/tck/run.sh          (v0.3 agents: working multiturn)
#   TCK_CARD_VERSION=1.0 ./dev bash bench/tck/run.sh
#       (the 1.0 kit fetches the agent card with `A2A-Version: 1.0`, as a 1.0 client does (§3.6);
#       the kit at TCK_V1 sends the header on every request but its two card fetches, which
#       §3.6.2 reads as 0.3: a copy of the kit with those two calls sending it, in .work/)
#   TCK_KIT="pinned v1.0.1" ./dev bash bench/tck/run.sh
#       (which 1.0 kits run, each on both servers: `pinned`, the kit at TCK_V1 as it is (the
#       default), and `v1.0.1`, a copy with v1.0.1-error-codes.patch applied: the error codes of
#       A2A v1.0.1 §5.4 in place of v1.0.0's, as a2a-tck#240 asks)
#
# Only the runs made by this invocation are summarised: results a skipped run (TCK_ONLY,
# TCK_AGENTS, TCK_KIT) left in .work/ by an earlier invocation are deleted first, never reported.
#
# The kit's code and its virtualenv live in bench/tck/.work/ (git-ignored); none of it is committed.
# The 1.0 kit's own compatibility report (per requirement) is left in .work/kit10-<impl>-compat.json
# (kit10-v101-<impl>-compat.json for the patched kit).
set -euo pipefail
TCK_V1="357c4a87afa2818731590647cccbea31c31733a2"   # 1.0-dev, 2026-05-05 ("fix: Add missing A2A-Version header (#177)")
# Before: main 410ba92e (2026-03-13), the 1.0 kit's earlier layout (tests/mandatory, --sut-url).
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
  # The 1.0 kit lists its dependencies in pyproject.toml (no requirements.txt).
  mapfile -t v1deps < <(python3 -c 'import sys, tomllib; print(*tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"], sep="\n")' "$WORK/kit-$TCK_V1/pyproject.toml")
  "$WORK/venv/bin/pip" install -q "${v1deps[@]}" \
    -r "$WORK/kit-$TCK_V03/requirements.txt" python-dotenv grpcio-status proto-plus protobuf \
    pyOpenSSL aiohttp pytest-timeout pytest-json-report
fi

# kit1 <pinned|v1.0.1>: prints the directory of the 1.0 kit a run uses: the kit at TCK_V1 as it
# is, or a copy of it in .work/ with v1.0.1's error codes (the patch) and, with TCK_CARD_VERSION,
# card fetches that send the header.
kit1() {
  local kit="$WORK/kit-$TCK_V1"
  [ "$1" = pinned ] && [ -z "${TCK_CARD_VERSION:-}" ] && { echo "$kit"; return; }
  local copy="$kit-$1${TCK_CARD_VERSION:+-card-$TCK_CARD_VERSION}"
  rm -rf "$copy" && cp -r "$kit" "$copy"
  if [ "$1" = v1.0.1 ]; then
    patch -s -p1 -d "$copy" <"$ROOT/bench/tck/v1.0.1-error-codes.patch" >&2 || { echo "tck: the v1.0.1 patch does not apply to the kit at $TCK_V1" >&2; exit 1; }
  elif [ "$1" != pinned ]; then
    echo "tck: TCK_KIT names $1; use pinned or v1.0.1" >&2; exit 1
  fi
  if [ -n "${TCK_CARD_VERSION:-}" ]; then
    for f in tests/compatibility/conftest.py tests/compatibility/agent_card/test_agent_card_caching.py; do
      grep -q 'response = httpx.get(url)$' "$copy/$f" || { echo "tck: $f has no card fetch to give the header" >&2; exit 1; }
      sed -i "s/response = httpx.get(url)\$/response = httpx.get(url, headers={\"A2A-Version\": \"$TCK_CARD_VERSION\"})/" "$copy/$f"
    done
  fi
  echo "$copy"
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_sut() {  # start_sut <tck-sut.ts args...>: starts it, sets `url` (no trailing slash) and `pid`
  local urlf="$WORK/sut.url"
  rm -f "$urlf"
  node "$ROOT/bench/src/tck-sut.ts" "$@" >"$urlf" 2>>"$WORK/sut.err" &
  pid=$!
  pids+=("$pid")
  until [ -s "$urlf" ]; do kill -0 "$pid" || { echo "tck: the $1 server did not start"; exit 1; }; sleep 0.2; done
  url="$(sed 's#/$##' "$urlf")"
}
stop_sut() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
wanted() { [ -z "${TCK_ONLY:-}" ] || [[ " $TCK_ONLY " == *" $1 "* ]]; }
export TCK_STREAMING_TIMEOUT=2.0

# v1.0 <kit dir> <stem> <impl>: the 1.0 kit's tests/compatibility, as its run_tck.py runs them
# (all transports of the card, all levels), plus a pytest JSON report of every test's outcome.
v1() {
  local out="$WORK/$2-$3"  # (the kit writes its report to <path>.json: no dot in the name)
  start_sut "$3" scenarios
  (cd "$1" && "$WORK/venv/bin/python" -m pytest tests/compatibility \
    --sut-host "$url" --compatibility-report "$out-compat" -p no:cacheprovider -q --tb=short \
    --timeout 60 --json-report --json-report-file "$out.json" >"$out.log" 2>&1) || true
  stop_sut
}

# v03 <impl> <agent> [legacy]: the v0.3 kit over JSON-RPC, as before.
v03() {
  local out="$WORK/v0.3-$1-$2.json"
  start_sut "$@"
  (cd "$WORK/kit-$TCK_V03" && "$WORK/venv/bin/python" -m pytest tests/mandatory tests/optional \
    --test-scope all --sut-url "$url" --transports jsonrpc -p no:cacheprovider -q --timeout 60 \
    --json-report --json-report-file "$out" >"$out.log" 2>&1) || true
  stop_sut
}

# The results of every run this invocation could make go first: what is left is what it ran.
rm -f "$WORK"/kit10*-ours*.json "$WORK"/kit10*-official*.json "$WORK"/v0.3-*.json
kits=() agents=()
if wanted v1.0; then
  for kit in ${TCK_KIT:-pinned}; do
    stem="kit10"; [ "$kit" = pinned ] || stem="kit10-${kit//./}"  # kit10-v101
    dir="$(kit1 "$kit")"
    v1 "$dir" "$stem" ours
    v1 "$dir" "$stem" official
    kits+=("$stem:$kit")
  done
fi
if wanted v0.3; then
  for agent in ${TCK_AGENTS:-working multiturn}; do
    v03 ours "$agent"
    v03 official "$agent" legacy
    agents+=("$agent")
  done
fi

"$WORK/venv/bin/python" "$ROOT/bench/tck/summary.py" "$WORK" --v1 "${kits[@]}" --v03 "${agents[@]}"
