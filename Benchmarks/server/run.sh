#!/usr/bin/env bash
# Tidegate's webhook server against an nginx ceiling, on loopback, TLS, HTTP/1.1 and HTTP/2.
#
# Usage: Benchmarks/server/run.sh [--quick] [--event-loops "1 2"] [--payloads "pod-small ..."]
#                                 [--skip-build] [--no-idle] [--out DIR] [--serve-args "ARGS"]
#                                 [--rounds N]
#
# For each payload x protocol x server: a warm-up, then in N rounds (3; 1 with --quick) a measured
# run with 16 connections (one request in flight per connection: h2load -m 1, also for HTTP/2) and
# then N rounds of a latency run with one connection and one request at a time (-c 1 -m 1), the
# servers taking turns within each round. A cell reports, per server, the median round at 16
# connections and the pooled requests of its one-connection rounds (see README.md). Server CPU per
# request comes from utime+stime in /proc/PID/stat (all of the server's processes) before and after
# each measured run; memory from /proc/PID/status. Then 1,000 idle TLS connections per server and
# protocol (idle_tls.py) for the extra RSS they cost. All servers run side by side for the whole
# benchmark, so the ratios compare runs made under the same background load. --serve-args adds
# options to every Tidegate server (e.g. "--idle-poll 100us").
#
# Environment: PAYLOADS (directory of AdmissionReview JSON files), BASE_PORT (default 18440),
# NGINX_WORKERS (default 2), IDLE_CONNECTIONS (default 1000), TIDEGATE_LOG_LEVEL (default info).
# shellcheck disable=SC2046  # PID lists (nginx master + workers) are split into words on purpose.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

quick=0
event_loops="1 2"
payload_names="pod-small deployment-typical pod-large"
skip_build=0
idle=1
out=""
serve_args=""
rounds=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --event-loops) event_loops="$2"; shift ;;
    --payloads) payload_names="$2"; shift ;;
    --skip-build) skip_build=1 ;;
    --no-idle) idle=0 ;;
    --out) out="$2"; shift ;;
    --serve-args) serve_args="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

# measure and latency are seconds per round.
if [[ $quick == 1 ]]; then warm=1; measure=3; latency=3; rounds=${rounds:-1}
else warm=2; measure=4; latency=2; rounds=${rounds:-3}; fi
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "--rounds takes a positive whole number" >&2; exit 2; }
conns=16
base_port=${BASE_PORT:-18440}
nginx_workers=${NGINX_WORKERS:-2}
idle_count=${IDLE_CONNECTIONS:-1000}
log_level=${TIDEGATE_LOG_LEVEL:-info}

if [[ -z "${PAYLOADS:-}" ]]; then
  for candidate in "$root/../shared/payloads" "$root/../../shared/payloads"; do
    [[ -f "$candidate/pod-small.json" ]] && PAYLOADS=$(cd "$candidate" && pwd) && break
  done
fi
[[ -n "${PAYLOADS:-}" && -d "$PAYLOADS" ]] || { echo "set PAYLOADS to the directory of AdmissionReview payloads" >&2; exit 2; }

for tool in h2load nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nghttp2-client nginx-light curl python3)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/tidegate-serverbench.XXXXXX)
out=${out:-$work}
mkdir -p "$out"
results="$out/results.tsv"
round_results="$out/rounds.tsv"
idle_results="$out/idle.tsv"
: > "$results"
: > "$round_results"
: > "$idle_results"

# Every process this script starts, killed on any exit.
started=()
cleanup() {
  local pid
  local jobs_left
  mapfile -t jobs_left < <(jobs -p)
  started+=("${jobs_left[@]}")
  for pid in "${started[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  sleep 0.3
  for pid in "${started[@]:-}"; do
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $skip_build == 0 ]]; then
  echo "building release binary..." >&2
  (cd "$root" && swift build -c release --product tidegate >&2)
fi
bin="$root/.build/release/tidegate"
[[ -x "$bin" ]] || { echo "no $bin (run without --skip-build)" >&2; exit 2; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # URL [curl options...]: up to 15 s for a 200
  local url=$1; shift
  for _ in $(seq 150); do
    curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null | grep -q 200 && return 0
    sleep 0.1
  done
  echo "no answer from $url" >&2
  return 1
}

# ---- servers --------------------------------------------------------------------------------------
declare -A port pids_of
servers=()
certs="$work/certs"
mkdir -p "$certs"
n=0
for loops in $event_loops; do
  n=$((n + 1))
  name="tidegate-el$loops"
  p=$((base_port + n)); hp=$((base_port + 10 + n))
  port_free "$p" && port_free "$hp" || { echo "port $p or $hp busy; set BASE_PORT" >&2; exit 2; }
  if [[ $n == 1 ]]; then
    # The first server makes the development certificate that every other server then uses.
    tls=(--dev --dev-dir "$certs")
  else
    tls=(--tls-cert "$certs/server.pem" --tls-key "$certs/server-key.pem")
  fi
  # Logs go to /dev/null: at info level every decision is a JSON line on stderr (its cost is part of
  # the measurement), and a file would grow by hundreds of MB.
  "$bin" serve "${tls[@]}" --listen "127.0.0.1:$p" --health-listen "127.0.0.1:$hp" \
    --event-loops "$loops" --log-level "$log_level" $serve_args >/dev/null 2>/dev/null &  # word-split on purpose
  started+=("$!")
  pids_of[$name]=$!
  port[$name]=$p
  servers+=("$name")
  wait_http "http://127.0.0.1:$hp/readyz"
done

nginx_port=$((base_port + 9))
port_free "$nginx_port" || { echo "port $nginx_port busy; set BASE_PORT" >&2; exit 2; }
mkdir -p "$work/nginx-body"
response=$(tr -d '\n' < "$PAYLOADS/response-allow.json")
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" -e "s|@CERT@|$certs/server.pem|g" \
    -e "s|@KEY@|$certs/server-key.pem|g" -e "s|@WORKERS@|$nginx_workers|g" \
    -e "s|@RESPONSE@|$response|g" "$here/nginx.conf.template" > "$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
nginx_master=$!
started+=("$nginx_master")
port[nginx]=$nginx_port
servers=(nginx "${servers[@]}")
wait_http "https://127.0.0.1:$nginx_port/validate" -k -X POST -H 'content-type: application/json' --data '{}'

# Every process of a server (nginx: master and workers).
server_pids() {
  if [[ $1 == nginx ]]; then
    echo "$nginx_master" $(pgrep -P "$nginx_master")
  else
    echo "${pids_of[$1]}"
  fi
}

cpu_ticks() { # utime+stime summed over PIDs
  local total=0 pid rest
  for pid in "$@"; do
    rest=$(sed 's/.*) //' "/proc/$pid/stat")   # after "(comm) ", field 3 is first
    set -- $rest
    total=$((total + ${12} + ${13}))            # fields 14 and 15 of the full line
  done
  echo "$total"
}

status_kb() { # FIELD PID... -> sum of that /proc/PID/status field in kB
  local field=$1 total=0 pid v; shift
  for pid in "$@"; do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status")
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

rss_sampler() { # OUTFILE PID...: writes the largest summed VmRSS seen until killed
  local file=$1 max=0 now; shift
  echo 0 > "$file"
  while :; do
    now=$(status_kb VmRSS "$@" 2>/dev/null || echo 0)
    (( now > max )) && max=$now && echo "$max" > "$file"
    sleep 0.2
  done
}

tick_hz=$(getconf CLK_TCK)

# h2load with a hard time bound; PROTO is h1 or h2.
load() { # PROTO PORT PAYLOAD CONNECTIONS SECONDS LOGFILE OUTFILE
  local proto_flag=()
  [[ $1 == h1 ]] && proto_flag=(--h1)
  timeout $(($5 + 30)) h2load "${proto_flag[@]}" -t 1 -c "$4" -m 1 -D "$5" \
    -d "$PAYLOADS/$3.json" -H 'content-type: application/json' \
    ${6:+--log-file "$6"} "https://127.0.0.1:$2/validate" > "$7" 2>&1 || true
}

measure() { # SERVER PROTO PAYLOAD LOADNAME CONNECTIONS SECONDS ROUND
  local server=$1 proto=$2 payload=$3 name=$4 c=$5 secs=$6 round=$7
  local pids tag before after sampler
  pids=$(server_pids "$server")
  tag="$out/$server-$proto-$payload-$name-r$round"
  before=$(cpu_ticks $pids)
  rss_sampler "$tag.rss" $pids &
  sampler=$!
  load "$proto" "${port[$server]}" "$payload" "$c" "$secs" "$tag.log" "$tag.out"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  after=$(cpu_ticks $pids)
  read -r ok failed non2xx rps < <(python3 "$here/report.py" h2load "$tag.out")
  read -r p50 p99 _ < <(python3 "$here/report.py" latency "$tag.log")
  local cpu_us=nan
  (( ok > 0 )) && cpu_us=$(awk -v t=$((after - before)) -v hz="$tick_hz" -v n="$ok" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$proto" "$payload" "$name" \
    "$ok" "$((failed + non2xx))" "$rps" "$((after - before))" "$cpu_us" "$p50" "$p99" "$(cat "$tag.rss")" \
    "$round" >> "$round_results"
  printf '  %-14s %s %-19s %-3s r%s %8s req/s %7s us CPU/req p50 %5s us p99 %6s us failed %s\n' \
    "$server" "$proto" "$payload" "$name" "$round" "$rps" "$cpu_us" "$p50" "$p99" "$((failed + non2xx))" >&2
  # Per-request logs are large: a 16-connection round keeps its summary row; one-connection rounds
  # keep theirs until the cell's latency is computed from all of them.
  [[ $name == c1 ]] || rm -f "$tag.log"
}

echo "# $(date -u +%FT%TZ) quick=$quick warm=${warm}s rounds=$rounds measure=${measure}s latency=${latency}s (per round) conns=$conns nginx_workers=$nginx_workers log_level=$log_level serve_args=${serve_args:-none}" | tee -a "$results" >&2
echo "# servers: ${servers[*]}; results in $out" >&2

baseline_rss=()
for s in "${servers[@]}"; do baseline_rss+=("$s=$(status_kb VmRSS $(server_pids "$s"))"); done

for payload in $payload_names; do
  [[ -f "$PAYLOADS/$payload.json" ]] || { echo "no $PAYLOADS/$payload.json" >&2; exit 2; }
  for proto in h1 h2; do
    for s in "${servers[@]}"; do
      load "$proto" "${port[$s]}" "$payload" "$conns" "$warm" "" "$out/warmup.out"
    done
    for round in $(seq "$rounds"); do
      for s in "${servers[@]}"; do measure "$s" "$proto" "$payload" "c$conns" "$conns" "$measure" "$round"; done
    done
    for round in $(seq "$rounds"); do
      for s in "${servers[@]}"; do measure "$s" "$proto" "$payload" c1 1 "$latency" "$round"; done
    done
    for s in "${servers[@]}"; do
      python3 "$here/report.py" aggregate "$round_results" "$s" "$proto" "$payload" "c$conns" >> "$results"
      python3 "$here/report.py" aggregate "$round_results" "$s" "$proto" "$payload" c1 \
        "$out/$s-$proto-$payload-c1-r"*.log >> "$results"
      rm -f "$out/$s-$proto-$payload-c1-r"*.log
    done
  done
done

echo >&2
{
  echo "## Load"
  echo
  python3 "$here/report.py" table "$results"
  echo
  echo "## Memory"
  echo
  echo "| server | RSS at start MB | VmHWM after load MB | RssAnon after load MB |"
  echo "|---|---:|---:|---:|"
  for entry in "${baseline_rss[@]}"; do
    s=${entry%%=*}
    awk -v s="$s" -v a="${entry#*=}" -v b="$(status_kb VmHWM $(server_pids "$s"))" \
      -v c="$(status_kb RssAnon $(server_pids "$s"))" \
      'BEGIN { printf "| %s | %.1f | %.1f | %.1f |\n", s, a / 1024, b / 1024, c / 1024 }'
  done
} | tee "$out/table.md"

if [[ $idle == 1 ]]; then
  {
    echo
    echo "## $idle_count idle TLS connections"
    echo
    echo "| server | ALPN | opened | RSS before MB | RSS after MB | extra MB | extra KB/conn |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    for s in "${servers[@]}"; do
      # HTTP/1.1 then HTTP/2 connections, the first batch still open while the second is measured.
      while read -r alpn before after opened; do
        printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$alpn" "$opened" "$before" "$after" >> "$idle_results"
        awk -v s="$s" -v p="$alpn" -v n="$opened" -v a="$before" -v b="$after" 'BEGIN {
          printf "| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |\n", s, p, n, a / 1024, b / 1024, (b - a) / 1024, n ? (b - a) / n : 0 }'
      done < <(timeout 180 python3 "$here/idle_tls.py" 127.0.0.1 "${port[$s]}" "$idle_count" http/1.1,h2 $(server_pids "$s"))
      sleep 1   # let the server close them before the next server is measured
    done
  } | tee -a "$out/table.md"
fi
{
  echo
  echo "## Targets"
  echo
  python3 "$here/report.py" targets "$results" $([[ $idle == 1 ]] && echo "$idle_results")
} | tee -a "$out/table.md"
echo >&2
echo "results: $out/table.md, $results" >&2
