#!/usr/bin/env python3
"""Helpers for run.sh.

  report.py latency LOGFILE        -> "p50_us p99_us count" from an h2load --log-file
  report.py h2load OUTFILE         -> "succeeded failed non2xx rps" from h2load's printed summary
  report.py aggregate ROUNDS.tsv SERVER PROTO PAYLOAD LOAD [LOGFILE...]
                                   -> one results row from the rounds of a cell (see aggregate)
  report.py table RESULTS.tsv      -> markdown tables and ratios vs nginx
  report.py targets RESULTS.tsv IDLE.tsv -> the issue's targets, met or not, per Tidegate server
  report.py profile TREE.txt REQUESTS  -> cost centres from a demangled callgrind_annotate
                                          --inclusive=yes --tree=calling listing (profile.sh)
"""
import re
import sys


def latency_times(paths):
    times = []
    for path in paths:
        with open(path) as f:
            for line in f:
                cols = line.split("\t")
                if len(cols) >= 3 and cols[1].startswith("2"):
                    times.append(int(cols[2]))
    times.sort()
    return times


def percentile(times, p):
    # nearest-rank percentile of sorted times
    k = max(0, min(len(times) - 1, int(round(p / 100 * len(times) + 0.5)) - 1))
    return times[k]


def latency(path):
    times = latency_times([path])
    if not times:
        print("nan nan 0")
        return
    print(percentile(times, 50), percentile(times, 99), len(times))


def aggregate(rounds_path, server, proto, payload, load, *logs):
    """One results row for a cell from its rounds. Under load (16 connections) each figure is the
    median of the rounds' figures: the servers took turns round by round, and a median keeps one
    round disturbed by the shared machine (or by how two event loops happened to split the
    connections) from deciding the cell. With one connection the rounds' requests are pooled:
    p50/p99 over every request of every round (from the h2load logs), CPU per request as the
    rounds' CPU over their requests. Requests, failures and CPU ticks are summed, RSS is the max."""
    rows = [r for r in read_rows(rounds_path, ROUND_COLUMNS)
            if (r["server"], r["proto"], r["payload"], r["load"]) == (server, proto, payload, load)]
    if not rows:
        return

    def num(r, k):
        try:
            return float(r[k])
        except ValueError:
            return float("nan")

    def median(values):
        values = sorted(v for v in values if v == v)
        if not values:
            return float("nan")
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    requests = sum(int(r["requests"]) for r in rows)
    failed = sum(int(r["failed"]) for r in rows)
    ticks = sum(int(r["cpu_ticks"]) for r in rows)
    rss = max((int(r["rss_max_kb"]) for r in rows if r["rss_max_kb"].isdigit()), default=0)
    rps = median(num(r, "rps") for r in rows)
    if logs:
        times = latency_times(logs)
        p50, p99 = (percentile(times, 50), percentile(times, 99)) if times else ("nan", "nan")
        weighted = [(num(r, "cpu_us"), int(r["requests"])) for r in rows if num(r, "cpu_us") == num(r, "cpu_us")]
        n = sum(w for _, w in weighted)
        cpu = sum(v * w for v, w in weighted) / n if n else float("nan")
    else:
        p50, p99 = median(num(r, "p50_us") for r in rows), median(num(r, "p99_us") for r in rows)
        cpu = median(num(r, "cpu_us") for r in rows)
        p50, p99 = (f"{p50:.0f}", f"{p99:.0f}") if p99 == p99 else ("nan", "nan")
    print("\t".join([server, proto, payload, load, str(requests), str(failed), f"{rps:.2f}", str(ticks),
                     f"{cpu:.2f}", str(p50), str(p99), str(rss)]))


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
ROUND_COLUMNS = COLUMNS + ["round"]


def table(path):
    rows = read_rows(path)
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


def read_rows(path, columns=COLUMNS):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(dict(zip(columns, line.rstrip("\n").split("\t"))))
    return rows


def targets(path, idle_path=None):
    """Worst case over payloads and protocols: a target holds only if it holds in every cell."""
    rows = read_rows(path)
    nginx = {(r["payload"], r["proto"], r["load"]): r for r in rows if r["server"] == "nginx"}
    idle = {}
    if idle_path:
        with open(idle_path) as f:
            for line in f:
                server, alpn, opened, before, after = line.split()
                idle.setdefault(server, {})[alpn] = (int(after) - int(before)) / 1024
    servers = sorted({r["server"] for r in rows if r["server"] != "nginx"})
    print("| target | " + " | ".join(servers) + " |")
    print("|---|" + "---|" * len(servers))

    def worst(server, metric, pick, load="c16"):
        values = []
        for r in rows:
            if r["server"] != server or (load and r["load"] != load):
                continue
            n = nginx.get((r["payload"], r["proto"], r["load"]))
            try:
                values.append((metric(r, n), f"{r['payload']} {r['proto']}"))
            except (TypeError, ValueError, ZeroDivisionError):
                pass
        return pick(values) if values else (float("nan"), "")

    def cell(value, where, ok, fmt, bound):
        shown = fmt.format(value)
        if shown == fmt.format(bound) and value != bound:
            # A value just past the bound would print as the bound itself ("MISSED: 2.00×").
            shown = fmt.replace(".2f", ".3f").format(value)
        return f"{'met' if ok else 'MISSED'}: {shown} ({where})"

    lines = [
        ("CPU/request ≤ 2× nginx (worst, 16 conns)", lambda s: worst(s, lambda r, n: float(r["cpu_us"]) / float(n["cpu_us"]), max), 2, lambda v: v <= 2, "{:.2f}×"),
        ("req/s ≥ 0.6× nginx (worst, 16 conns)", lambda s: worst(s, lambda r, n: float(r["rps"]) / float(n["rps"]), min), 0.6, lambda v: v >= 0.6, "{:.2f}×"),
        ("one connection p99 < 0.3 ms (worst)", lambda s: worst(s, lambda r, n: float(r["p99_us"]), max, "c1"), 300, lambda v: v < 300, "{:.0f} µs"),
        ("RSS under load < 30 MB (max)", lambda s: worst(s, lambda r, n: float(r["rss_max_kb"]) / 1024, max, None), 30, lambda v: v < 30, "{:.1f} MB"),
    ]
    for title, measure, bound, ok, fmt in lines:
        cells = []
        for s in servers:
            value, where = measure(s)
            cells.append(cell(value, where, ok(value), fmt, bound))
        print(f"| {title} | " + " | ".join(cells) + " |")
    if idle:
        for alpn in ("http/1.1", "h2"):
            cells = []
            for s in servers:
                v = idle.get(s, {}).get(alpn)
                cells.append("n/a" if v is None else f"{'met' if v < 40 else 'MISSED'}: {v:.1f} MB")
            print(f"| 1,000 idle TLS connections ({alpn}) < 40 MB extra | " + " | ".join(cells) + " |")


# (title, pattern): the inclusive cost of the function whose demangled name matches the pattern
# (the largest match, so a specialised copy and its wrapper count once).
COST_CENTRES = [
    ("JSON parse of the review (AdmissionReviewRequest.init(bytes:filter:))", r"AdmissionReviewRequest\.init\(bytes:"),
    ("policy (PolicyEngine.evaluate)", r"static PolicyEngine\.evaluate\("),
    ("pod spec and containers read (PodUnderReview.init)", r"PodUnderReview\.(__allocating_)?init\(object:\)"),
    ("warning texts (WarningBudget.render)", r"WarningBudget\.render\("),
    ("denial text (DenialMessage.render)", r"DenialMessage\.render\("),
    ("all of AdmissionEngine.review", r"^AdmissionEngine\.review\("),
    ("response JSON (AdmissionReviewResponse.bytes)", r"AdmissionReviewResponse\.bytes\.getter"),
    ("decision log line (WebhookService.log)", r"WebhookService\.log\("),
    ("metrics: ServerMetrics.decision", r"ServerMetrics\.decision\("),
    ("metrics: ServerMetrics.request", r"ServerMetrics\.request\("),
    ("HTTP/1.1 parsing (HTTP1Parser.parse)", r"HTTP1Parser\.parse\("),
    ("HTTP/2 session in (nghttp2_session_mem_recv), minus the handler", r"^nghttp2_session_mem_recv$"),
    ("HTTP/2 session out (nghttp2_session_mem_send)", r"^nghttp2_session_mem_send$"),
    ("TLS read + decrypt (EventLoop.read)", r"^EventLoop\.read\("),
    ("TLS encrypt + write (EventLoop.flush)", r"^EventLoop\.flush\("),
    ("TLS handshakes (EventLoop.handshake)", r"^EventLoop\.handshake\("),
]


def profile(path, requests):
    requests = int(requests)
    line_re = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\*\s+[^:]*:(.*?) \[")
    inclusive, total = {}, 0
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = line_re.match(line)
        if m:
            name = re.sub(r"^specialized ", "", m.group(2))
            name = re.sub(r"'\d+$", "", name)
            inclusive[name] = max(inclusive.get(name, 0), int(m.group(1).replace(",", "")))
    if not total:
        print("no PROGRAM TOTALS in", path)
        return
    handshakes = max((c for n, c in inclusive.items() if re.search(r"^EventLoop\.handshake\(", n)), default=0)
    print(f"instructions per request: {total / requests:,.0f} ({(total - handshakes) / requests:,.0f} without the "
          "connections' TLS handshakes, which a longer run amortises)")
    print()
    print("| cost centre (inclusive) | % of all | instructions per request |")
    print("|---|---:|---:|")
    for title, pattern in COST_CENTRES:
        v = max((c for n, c in inclusive.items() if re.search(pattern, n)), default=0)
        if "minus the handler" in title:
            v -= max((c for n, c in inclusive.items() if re.search(r"^HTTP2ServerSession\.dispatch\(", n)), default=0)
        print(f"| {title} | {100 * v / total:.1f}% | {v / requests:,.0f} |")


if __name__ == "__main__":
    {"latency": latency, "h2load": h2load, "aggregate": aggregate, "table": table, "targets": targets,
     "profile": profile}[sys.argv[1]](*sys.argv[2:])
