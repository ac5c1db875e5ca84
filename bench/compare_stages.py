#!/usr/bin/env python3
"""Where a live-profiled prediction and a measured run part ways, stage by stage.

    compare_stages.py EVALUATE.json EXECUTE.json

EVALUATE.json is `ioscope-cli evaluate MODEL S.json --cost gpu --json` (predicted per-stage
latency), EXECUTE.json is `ioscope-cli execute MODEL S.json --json` (the run's latency and the
per-stage times of its CUPTI kernel timeline). Prints the totals and the stages that differ most.
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    predicted = json.load(open(sys.argv[1]))
    measured = json.load(open(sys.argv[2]))
    stages = predicted["stages"]
    run_stage_ms = measured.get("stage_ms", [])
    if len(run_stage_ms) != len(stages):
        sys.exit(f"{sys.argv[2]}: {len(run_stage_ms)} stage times for {len(stages)} stages")
    pred = [s.get("latency_ms", 0.0) for s in stages]
    print(f"predicted {sum(pred):.4f} ms; run {measured['latency_ms']:.4f} ms (median), "
          f"timeline stage sum {sum(run_stage_ms):.4f} ms; {len(stages)} stages")
    by_kind = {}
    for s, p, m in zip(stages, pred, run_stage_ms):
        kind = "merge" if s["strategy"] == "merge" else (
            "single" if len(s["groups"]) == 1 and len(s["groups"][0]) == 1 else
            f"{len(s['groups'])} groups")
        t = by_kind.setdefault(kind, [0, 0.0, 0.0])
        t[0] += 1
        t[1] += p
        t[2] += m
    for kind, (n, p, m) in sorted(by_kind.items()):
        print(f"  {kind:10s} {n:4d} stages: predicted {p:.4f} ms, timeline {m:.4f} ms ({m - p:+.4f})")
    worst = sorted(range(len(stages)), key=lambda i: -abs(run_stage_ms[i] - pred[i]))[:8]
    for i in worst:
        groups = " | ".join(",".join(g) for g in stages[i]["groups"])
        print(f"  stage {i:3d} {stages[i]['strategy']:10s} predicted {pred[i] * 1e3:8.1f} us, "
              f"timeline {run_stage_ms[i] * 1e3:8.1f} us  {groups[:90]}")


if __name__ == "__main__":
    main()
