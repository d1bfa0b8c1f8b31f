#!/usr/bin/env python3
"""Opens N idle TLS connections to a server and reports how much its resident memory grew.

Usage: idle_tls.py HOST PORT COUNT ALPN[,ALPN...] PID [PID...]
ALPN is "http/1.1" or "h2" (for h2 the client preface and an empty SETTINGS frame are sent, so the
server has a live HTTP/2 session per connection). With several ALPNs, each batch of COUNT connections
is opened while the previous batches stay open, so no batch reuses memory another one freed.
RSS is the sum of VmRSS over the given PIDs. Prints one line per ALPN:
"<alpn> <rss_before_kb> <rss_after_kb> <opened>".
"""
import socket
import ssl
import sys
import time

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    alpns = sys.argv[4].split(",")
    pids = [int(p) for p in sys.argv[5:]]
    kept = []
    time.sleep(0.5)
    for alpn in alpns:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols([alpn])
        before = rss_kb(pids)
        opened = 0
        deadline = time.monotonic() + 60
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            raw = socket.create_connection((host, port), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            if alpn == "h2":
                s.sendall(H2_PREFACE)
            kept.append(s)
            opened += 1
        # Let the server finish processing handshakes, prefaces and session tickets.
        time.sleep(1.5)
        after = rss_kb(pids)
        print(alpn, before, after, opened, flush=True)
    for s in kept:
        s.close()


if __name__ == "__main__":
    main()
