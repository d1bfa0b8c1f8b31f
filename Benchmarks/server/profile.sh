#!/usr/bin/env bash
# Where Tidegate's CPU goes per request: callgrind on the release server, one event loop.
#
# Usage: Benchmarks/server/profile.sh [--h1|--h2] [PAYLOAD] [REQUESTS] [--skip-build]
#        (defaults: --h1 pod-small 3000; pod-large wants ~600: callgrind runs ~50x slower)
#
# valgrind 3.19 cannot read the DWARF 5 that Swift 6.3 emits, so it profiles a copy of the binary
# with debug sections stripped (symbols stay, so functions are named; no line numbers).
# Instrumentation is switched on only after startup and a 200-request warm-up (TLS handshakes,
# first-request allocations), so the counts are steady-state requests only.
# Prints instructions per request and the inclusive share of the known cost centres; the full
# call tree (demangled) is left in the work directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
proto=--h1; payload=pod-small; requests=3000; skip_build=0; positional=()
for a in "$@"; do
  case "$a" in
    --h1) proto=--h1 ;;
    --h2) proto="" ;;
    --skip-build) skip_build=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) positional+=("$a") ;;
  esac
done
[[ ${#positional[@]} -ge 1 ]] && payload=${positional[0]}
[[ ${#positional[@]} -ge 2 ]] && requests=${positional[1]}
if [[ -z "${PAYLOADS:-}" ]]; then
  for candidate in "$root/../shared/payloads" "$root/../../shared/payloads"; do
    [[ -f "$candidate/pod-small.json" ]] && PAYLOADS=$(cd "$candidate" && pwd) && break
  done
fi
[[ -f "${PAYLOADS:-}/$payload.json" ]] || { echo "no payload $payload.json (set PAYLOADS)" >&2; exit 2; }
for tool in valgrind callgrind_control callgrind_annotate h2load curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
port=${BASE_PORT:-18560}; health=$((port + 1))

if [[ $skip_build == 0 ]]; then (cd "$root" && swift build -c release --product tidegate >&2); fi
work=$(mktemp -d /tmp/tidegate-profile.XXXXXX)
cp "$root/.build/release/tidegate" "$work/tidegate"
strip --strip-debug "$work/tidegate"
mkdir -p "$work/certs"

valgrind --tool=callgrind --instr-atstart=no --log-file="$work/valgrind.log" \
  --callgrind-out-file="$work/callgrind.out" "$work/tidegate" serve --dev --dev-dir "$work/certs" \
  --listen "127.0.0.1:$port" --health-listen "127.0.0.1:$health" --event-loops 1 >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$health/readyz" && break; sleep 0.5; done

hit() { timeout 600 h2load $proto -c 16 -m 1 -n "$1" -d "$PAYLOADS/$payload.json" \
  -H 'content-type: application/json' "https://127.0.0.1:$port/validate" | grep -E "^requests:"; }
hit 200 >&2
callgrind_control -i on "$server" >/dev/null
hit "$requests" >&2
callgrind_control -i off "$server" >/dev/null
callgrind_control -d "$server" >/dev/null
kill "$server"; wait "$server" 2>/dev/null || true
trap - EXIT

# callgrind_control -d writes callgrind.out.1; the file without suffix holds only the exit dump.
dump="$work/callgrind.out"
for f in "$work"/callgrind.out.*; do [[ -s "$f" ]] && dump=$f; done
demangle=(cat)
command -v swift >/dev/null && demangle=(swift demangle --simplified)
callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$dump" 2>/dev/null | "${demangle[@]}" > "$work/tree.txt"
label=h2; [[ $proto == --h1 ]] && label=h1
echo "## $payload $label, $requests requests, --event-loops 1 (call tree: $work/tree.txt)"
python3 "$here/report.py" profile "$work/tree.txt" "$requests"
