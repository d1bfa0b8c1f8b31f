#!/usr/bin/env python3
"""Helpers for run.sh.

  report.py latency LOGFILE        -> "p50_us p99_us count" from an h2load --log-file
  report.py h2load OUTFILE         -> "succeeded failed non2xx rps" from h2load's printed summary
  report.py table RESULTS.tsv      -> markdown tables and ratios vs nginx
"""
import re
import sys


def latency(path):
    times = []
    with open(path) as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) >= 3 and cols[1].startswith("2"):
                times.append(int(cols[2]))
    if not times:
        print("nan nan 0")
        return
    times.sort()

    def pct(p):
        # nearest-rank percentile
        k = max(0, min(len(times) - 1, int(round(p / 100 * len(times) + 0.5)) - 1))
        return times[k]

    print(pct(50), pct(99), len(times))


def h2load(path):
    text = open(path).read()
    m = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed", text)
    s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    r = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", text)
    if not (m and s and r):
        print("0 0 0 0")
        return
    non2xx = int(s.group(2)) + int(s.group(3)) + int(s.group(4))
    print(m.group(1), m.group(2), non2xx, r.group(1))


COLUMNS = ["server", "proto", "payload", "load", "requests", "failed", "rps", "cpu_ticks", "cpu_us",
           "p50_us", "p99_us", "rss_max_kb"]


def table(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(dict(zip(COLUMNS, line.rstrip("\n").split("\t"))))
    key = lambda r: (r["payload"], r["proto"], r["load"])
    nginx = {key(r): r for r in rows if r["server"] == "nginx"}

    def f(x, digits=0):
        try:
            v = float(x)
        except ValueError:
            return x
        return f"{v:,.{digits}f}"

    def ratio(a, b, digits=2):
        try:
            return f"{float(a) / float(b):.{digits}f}"
        except (ValueError, ZeroDivisionError):
            return "n/a"

    print("| payload | proto | load | server | req/s | CPU µs/req | p50 µs | p99 µs | max RSS MB | failed | req/s ÷ nginx | CPU/req ÷ nginx |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {"pod-small": 0, "deployment-typical": 1, "pod-large": 2}
    rows.sort(key=lambda r: (order.get(r["payload"], 9), r["payload"], r["proto"], r["load"], r["server"] != "nginx", r["server"]))
    for r in rows:
        n = nginx.get(key(r))
        rps_ratio = ratio(r["rps"], n["rps"]) if n and r["server"] != "nginx" else ""
        cpu_ratio = ratio(r["cpu_us"], n["cpu_us"]) if n and r["server"] != "nginx" else ""
        rss_mb = f(float(r["rss_max_kb"]) / 1024, 1) if r["rss_max_kb"] not in ("", "nan") else "n/a"
        print(f"| {r['payload']} | {r['proto']} | {r['load']} | {r['server']} | {f(r['rps'])} | {f(r['cpu_us'], 1)} | "
              f"{f(r['p50_us'])} | {f(r['p99_us'])} | {rss_mb} | {r['failed']} | {rps_ratio} | {cpu_ratio} |")


if __name__ == "__main__":
    {"latency": latency, "h2load": h2load, "table": table}[sys.argv[1]](*sys.argv[2:])
