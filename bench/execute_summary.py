# One line per `ioscope-cli execute --json` result: the median latency, its p10/p90, the kernel classes (count,
# ms, share), the depthwise kernels' time and the gaps between kernels on the timeline (CUPTI), so two builds'
# runs can be set side by side. Usage: python3 execute_summary.py RESULT.json [...]
import json
import sys


def summary(path):
    d = json.load(open(path))
    kernels = sorted(d.get("kernels", []), key=lambda k: k["start_ms"])
    classes = " ".join("%s %d %.4f %.1f%%" % (name, v["count"], v.get("ms", 0), 100 * v["share"])
                       for name, v in d.get("kernel_classes", {}).items())
    depthwise = [k for k in kernels if "depthwise" in k["name"].lower()]
    gaps = sum(max(0.0, b["start_ms"] - a["end_ms"]) for a, b in zip(kernels, kernels[1:]))
    return "%.4f p10 %.4f p90 %.4f | %s | depthwise %d %.4f | gaps %.4f" % (
        d["latency_ms"], d["p10_ms"], d["p90_ms"], classes, len(depthwise),
        sum(k["end_ms"] - k["start_ms"] for k in depthwise), gaps)


for arg in sys.argv[1:]:
    try:
        print(summary(arg))
    except (OSError, ValueError, KeyError) as e:
        print("%s: no result (%s)" % (arg, e))
