"""Prints what bench/tck/run.sh measured (run.sh calls it):

    python summary.py <work dir> --v1 [<stem>:<kit> ...] --v03 [<agent> ...]

only the runs named: the 1.0 kit's by the stem of their result files (`kit10`, `kit10-v101`) and
the kit they ran (`pinned`, `v1.0.1`), the v0.3 kit's by agent. Results of any other run that may
lie in the work dir are not read.

The 1.0 kit: per transport and RFC 2119 level, passed / failed / skipped tests of each server (a
SHOULD or MAY failure is the kit's xfail; `-`: the tests of no transport, the agent card's). A test's level is its marker (must, should, may) or, for the tests without one, the
level of the requirement the kit's compatibility report files it under. The v0.3 kit: tests
passed per agent. Then every test the official server passes that ours does not; exit status 1
if there is one.
"""

import json
import sys
from collections import Counter

work = sys.argv[1]
_args = sys.argv[2:]
_split = _args.index("--v03") if "--v03" in _args else len(_args)
V1_RUNS = [a.split(":", 1) for a in _args[:_split] if a != "--v1"]
V03_AGENTS = _args[_split + 1 :]
TRANSPORTS = ("jsonrpc", "http_json", "grpc")
LEVELS = ("MUST", "SHOULD", "MAY")


def load(name):
    try:
        with open(f"{work}/{name}") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def outcome(test):
    o = test["outcome"]
    if o in ("passed", "xpassed"):
        return "passed"
    if o == "skipped":
        return "skipped"
    return "failed"  # failed, xfailed (SHOULD / MAY), error


def v1_tests(stem, impl):
    """{nodeid: (transport, level, outcome)} of one server's 1.0 kit run."""
    report, compat = load(f"{stem}-{impl}.json"), load(f"{stem}-{impl}-compat.json")
    if report is None:
        return {}
    level_of = {}
    for req in (compat or {}).get("per_requirement", {}).values():
        for nodeid in req["test_ids"]:
            level_of.setdefault(nodeid, req["level"])
    out = {}
    for t in report.get("tests", []):
        nodeid, keywords = t["nodeid"], set(t.get("keywords", []))
        param = nodeid[nodeid.find("[") + 1 : -1] if nodeid.endswith("]") else ""
        transport = next(
            (x for x in TRANSPORTS if x in keywords or param == x or param.endswith("-" + x)),
            "-",
        )
        level = next((x for x in LEVELS if x.lower() in keywords), None)
        level = level or level_of.get(nodeid) or level_of.get(nodeid.split("[")[0]) or "none"
        out[nodeid] = (transport, level, outcome(t))
    return out


missing = 0
for stem, kit in V1_RUNS:
    ours, off = v1_tests(stem, "ours"), v1_tests(stem, "official")
    what = "as pinned" if kit == "pinned" else f"patched to A2A {kit}'s error codes"
    print(f"1.0 kit (a2a-tck 1.0-dev, {what}), tests passed / failed / skipped: ours | @a2a-js/sdk 1.3")
    for transport in ("-",) + TRANSPORTS:
        for level in LEVELS + ("none",):
            row = []
            for side in (ours, off):
                c = Counter(o for tr, lv, o in side.values() if tr == transport and lv == level)
                row.append(f"{c['passed']}/{c['failed']}/{c['skipped']}")
            if row != ["0/0/0", "0/0/0"]:
                print(f"  {transport:9} {level:6} ours {row[0]:10} official {row[1]}")
    total = []
    for side in (ours, off):
        c = Counter(o for _, _, o in side.values())
        total.append(f"{c['passed']}/{c['failed']}/{c['skipped']}")
    print(f"  {'total':9} {'':6} ours {total[0]:10} official {total[1]}")
    for nodeid in sorted(off):
        if off[nodeid][2] == "passed" and ours.get(nodeid, ("", "", None))[2] != "passed":
            missing += 1
            print(f"  official passes, ours {ours.get(nodeid, ('', '', None))[2]}: {nodeid}")

for agent in V03_AGENTS:
    o, f = load(f"v0.3-ours-{agent}.json"), load(f"v0.3-official-{agent}.json")
    o = {t["nodeid"]: t["outcome"] for t in (o or {}).get("tests", [])}
    f = {t["nodeid"]: t["outcome"] for t in (f or {}).get("tests", [])}

    def passed(d, pre=""):
        return sum(1 for k, v in d.items() if v == "passed" and k.startswith(pre))

    print(
        f"v0.3 kit, {agent} agent: ours {passed(o)} passed ({passed(o, 'tests/mandatory')} mandatory), "
        f"@a2a-js/sdk 1.3 {passed(f)} ({passed(f, 'tests/mandatory')})"
    )
    for k in sorted(f):
        if f[k] == "passed" and o.get(k) != "passed":
            missing += 1
            print(f"  official passes, ours {o.get(k)}: {k}")
sys.exit(1 if missing else 0)
