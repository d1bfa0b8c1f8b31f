#!/usr/bin/env bash
# End-to-end check of the deployment story against a real tidegate binary, the way kube-apiserver
# talks to it: certificates from certs/make-certs.sh, the deployed policy from deploy/base, HTTPS with
# HTTP/1.1 to the Service host name, CA verification, hot reload of certificates and policy, and
# `tidegate check` on tidegate's own Deployment.
#
#   deploy/tests/e2e.sh path/to/tidegate
#
# Needs curl, openssl and python3 (JSON inspection). Prints `N passed, M failed` last.
set -uo pipefail

bin=${1:-}
[[ -n $bin && -x $bin ]] || { echo "usage: deploy/tests/e2e.sh TIDEGATE_BINARY" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for tool in curl openssl python3 timeout; do
    command -v "$tool" >/dev/null || { echo "e2e: $tool is required" >&2; exit 2; }
done

host=tidegate.tidegate-system.svc
tmp=$(mktemp -d)
server_pid=
passed=0
failed=0

# Signals the server and reaps it; a server that ignores the signal for 10 s is killed, so the
# script never hangs. Sets stop_status to the exit status, or "hung".
stop_server() {
    stop_status=
    [[ -n $server_pid ]] || return
    kill "-$1" "$server_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        stop_status=hung
    else
        wait "$server_pid" 2>/dev/null
        stop_status=$?
    fi
    server_pid=
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    stop_server TERM
    rm -rf "$tmp"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [[ $# -lt 2 ]] || printf '      %s\n' "$2"; }
finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}

# A field of a JSON document, by a Python expression over `d` (e.g. d["response"]["allowed"]).
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' "$1" "$2"; }

# The server binds port 0 and logs the ports it got ({"msg":"listening","listener":"https","port":"N"}):
# no window in which another process can take a port picked in advance.
listening_port() { # listening_port LOG LISTENER: the port, or nothing yet
    python3 - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("msg") == "listening" and entry.get("listener") == sys.argv[2]:
        print(entry["port"])
        break
PY
}

# --- certificates and server ---------------------------------------------------------------------

if "$root/certs/make-certs.sh" --out "$tmp/certs" 2>"$tmp/certs.log"; then
    pass "certs/make-certs.sh made a CA and a serving certificate"
else
    fail "certs/make-certs.sh" "$(tail -3 "$tmp/certs.log")"
    finish
fi
# Secret and ConfigMap volumes as the kubelet lays them out: each file is a symlink through `..data`
# to a timestamped directory, and an update renames a new `..data` symlink over the old one. A reload
# that watches the file itself instead of the path misses exactly this, so test it this way.
generation=0
kubelet_write() { # kubelet_write VOLUME_DIR NAME=SOURCE...
    local dir=$1 old='' entry name
    shift
    generation=$((generation + 1))
    local fresh="..gen_$generation"
    mkdir -p "$dir/$fresh"
    for entry in "$@"; do cp "${entry#*=}" "$dir/$fresh/${entry%%=*}"; done
    [[ -L $dir/..data ]] && old=$(readlink "$dir/..data")
    ln -s "$fresh" "$dir/..data_tmp"
    mv -T "$dir/..data_tmp" "$dir/..data"
    for entry in "$@"; do
        name=${entry%%=*}
        [[ -L $dir/$name ]] || ln -s "..data/$name" "$dir/$name"
    done
    [[ -z $old ]] || rm -rf "${dir:?}/$old"
}
tls_dir=$tmp/volumes/tls
policy_dir=$tmp/volumes/policy
kubelet_write "$tls_dir" tls.crt="$tmp/certs/tls.crt" tls.key="$tmp/certs/tls.key"
kubelet_write "$policy_dir" policy.yaml="$root/deploy/base/policy.yaml"

"$bin" serve --listen "127.0.0.1:0" --health-listen "127.0.0.1:0" \
    --tls-cert "$tls_dir/tls.crt" --tls-key "$tls_dir/tls.key" --policy "$policy_dir/policy.yaml" \
    >"$tmp/server.log" 2>&1 &
server_pid=$!

# Ready means listening with certificate and policy loaded; give it up to 20 s on a busy machine.
ready=false
port='' health=''
for _ in $(seq 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    [[ -n $port ]] || port=$(listening_port "$tmp/server.log" https)
    [[ -n $health ]] || health=$(listening_port "$tmp/server.log" health)
    if [[ -z $port || -z $health ]]; then sleep 0.1; continue; fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$health/readyz" 2>/dev/null; then ready=true; break; fi
    sleep 0.1
done
if [[ $ready == true ]]; then
    pass "server ready on /readyz (health port $health)"
else
    fail "server never became ready" "$(tail -5 "$tmp/server.log")"
    finish
fi
for path in /healthz /metrics; do
    if curl -fsS -o "$tmp/out" "http://127.0.0.1:$health$path"; then pass "GET $path on the health port"; else fail "GET $path"; fi
done

# --- reviews, as the apiserver sends them --------------------------------------------------------

review() { # review FILE UID NAMESPACE POD_SPEC_JSON
    cat >"$1" <<EOF
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
 "uid":"$2","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "requestKind":{"group":"","version":"v1","kind":"Pod"},"requestResource":{"group":"","version":"v1","resource":"pods"},
 "name":"e2e","namespace":"$3","operation":"CREATE","userInfo":{"username":"e2e@example.com","groups":["system:authenticated"]},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"e2e","namespace":"$3"},"spec":$4},
 "oldObject":null,"dryRun":false,"options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}}
EOF
}
hardened='{"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"runAsGroup":10001,"seccompProfile":{"type":"RuntimeDefault"}},
 "containers":[{"name":"app","image":"IMAGE",
  "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}'
pinned=registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a
review "$tmp/allowed.json" 1f6f1a52-0000-4000-8000-000000000001 team-a "${hardened/IMAGE/$pinned}"
review "$tmp/denied.json" 1f6f1a52-0000-4000-8000-000000000002 team-a \
    '{"containers":[{"name":"miner","image":"evil.example.com/miner:latest","securityContext":{"privileged":true}}]}'
review "$tmp/implicit.json" 1f6f1a52-0000-4000-8000-000000000003 team-a "${hardened/IMAGE/nginx:1.27}"

# Exactly kube-apiserver's shape: HTTP/1.1, the Service DNS name, ?timeout=, JSON both ways, and
# trust in the CA bundle the webhook configuration would carry.
bundle=$tmp/certs/ca-bundle.crt
call() { # call PATH BODY OUT [extra curl args]
    local path=$1 body=$2 out=$3
    shift 3
    curl -sS --http1.1 --max-time 10 --cacert "$bundle" \
        --resolve "$host:$port:127.0.0.1" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, */*' \
        -H 'User-Agent: kube-apiserver-admission' \
        --data-binary "@$body" -o "$out" -w '%{http_code}' "$@" \
        "https://$host:$port$path?timeout=5s"
}

expect_review() { # expect_review NAME PATH BODY ALLOWED
    local name=$1 code
    code=$(call "$2" "$3" "$tmp/resp.json") || { fail "$name: curl failed"; return; }
    if [[ $code != 200 ]]; then fail "$name: HTTP $code" "$(head -c 300 "$tmp/resp.json")"; return; fi
    local allowed uid want_uid
    allowed=$(json "$tmp/resp.json" 'd["response"]["allowed"]' 2>/dev/null)
    uid=$(json "$tmp/resp.json" 'd["response"]["uid"]' 2>/dev/null)
    want_uid=$(json "$3" 'd["request"]["uid"]')
    if [[ $allowed != "$4" ]]; then
        fail "$name: allowed=$allowed, expected $4" "$(head -c 400 "$tmp/resp.json")"
    elif [[ $uid != "$want_uid" ]]; then
        fail "$name: response.uid $uid, expected $want_uid"
    elif [[ $(json "$tmp/resp.json" '[d["apiVersion"], d["kind"]]') != '["admission.k8s.io/v1", "AdmissionReview"]' ]]; then
        fail "$name: response apiVersion/kind differ from the request's"
    else
        pass "$name"
    fi
}

expect_review "POST /validate: hardened pod from a trusted registry is allowed" /validate "$tmp/allowed.json" true
expect_review "POST /validate: privileged pod from an untrusted registry is denied" /validate "$tmp/denied.json" false
if [[ $(json "$tmp/resp.json" 'd["response"]["status"]["code"] >= 400 and len(d["response"]["status"]["message"]) > 0') == true ]]; then
    pass "denial carries a status code >= 400 and a message"
else
    fail "denial status" "$(head -c 400 "$tmp/resp.json")"
fi
# A validating webhook that returns a patch is an invalid response to the apiserver.
if [[ $(json "$tmp/resp.json" '"patch" not in d["response"] and "patchType" not in d["response"]') == true ]]; then
    pass "/validate never returns a patch"
else
    fail "/validate returned a patch"
fi

# The mutating endpoint spells out the implicit docker.io registry (mutation.autoApply default).
code=$(call /mutate "$tmp/implicit.json" "$tmp/mutate.json") || code=curl-failed
if [[ $code == 200 && $(json "$tmp/mutate.json" 'd["response"]["patchType"]') == '"JSONPatch"' ]] &&
   python3 -c 'import base64,json,sys; p=json.loads(base64.b64decode(json.load(open(sys.argv[1]))["response"]["patch"])); sys.exit(0 if any(o.get("path")=="/spec/containers/0/image" and "docker.io/library/nginx" in str(o.get("value")) for o in p) else 1)' "$tmp/mutate.json"; then
    pass "POST /mutate: JSONPatch names docker.io/library/nginx"
else
    fail "POST /mutate: HTTP $code" "$(head -c 400 "$tmp/mutate.json")"
fi

# --- certificate verification: what makes the CA bundle mean something ---------------------------

out=$(curl -sS --http1.1 --max-time 10 --cacert "$tmp/certs/ca-bundle.crt" --resolve "wrong.example.com:$port:127.0.0.1" \
    --data-binary "@$tmp/allowed.json" -o /dev/null "https://wrong.example.com:$port/validate?timeout=5s" 2>&1)
rc=$?
if [[ $rc == 60 ]]; then pass "wrong host name fails certificate verification (curl exit 60)"; else fail "wrong host name: curl exit $rc" "$out"; fi

"$root/certs/make-certs.sh" --out "$tmp/other" 2>/dev/null
out=$(curl -sS --http1.1 --max-time 10 --cacert "$tmp/other/ca-bundle.crt" --resolve "$host:$port:127.0.0.1" \
    --data-binary "@$tmp/allowed.json" -o /dev/null "https://$host:$port/validate?timeout=5s" 2>&1)
rc=$?
if [[ $rc == 60 ]]; then pass "another CA's bundle fails certificate verification"; else fail "foreign CA: curl exit $rc" "$out"; fi

# --- rotation with an overlapping bundle, against the live server ---------------------------------

served_fingerprint() {
    timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername "$host" </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
if "$root/certs/rotate.sh" --from "$tmp/certs" --out "$tmp/next" 2>"$tmp/rotate.log"; then
    want=$(openssl x509 -in "$tmp/next/tls.crt" -noout -fingerprint -sha256)
    # Step 1 of a rotation: the apiserver gets the overlap bundle while the old leaf is still served.
    bundle=$tmp/next/ca-bundle.crt
    code=$(call /validate "$tmp/allowed.json" "$tmp/resp.json")
    if [[ $code == 200 ]]; then pass "overlap bundle (new + old CA) trusts the old certificate"; else fail "overlap bundle, old leaf: HTTP $code"; fi
    # Step 2: the new Secret reaches the pod's volume.
    kubelet_write "$tls_dir" tls.crt="$tmp/next/tls.crt" tls.key="$tmp/next/tls.key"
    got=
    for _ in $(seq 100); do
        got=$(served_fingerprint)
        [[ $got == "$want" ]] && break
        sleep 0.2
    done
    if [[ $got == "$want" ]]; then pass "server reloaded the rotated certificate (kubelet-style volume update)"; else fail "server still serves the old certificate" "$got"; fi
    code=$(call /validate "$tmp/allowed.json" "$tmp/resp.json")
    if [[ $code == 200 ]]; then pass "overlap bundle (new + old CA) trusts the new certificate"; else fail "overlap bundle: HTTP $code"; fi
else
    fail "certs/rotate.sh" "$(tail -3 "$tmp/rotate.log")"
fi

# --- warn-mode rollout: policy hot reload --------------------------------------------------------

kubelet_write "$policy_dir" policy.yaml="$root/deploy/overlays/warn-rollout/policy.yaml"
allowed=
for _ in $(seq 100); do
    call /validate "$tmp/denied.json" "$tmp/warn.json" >/dev/null 2>&1
    allowed=$(json "$tmp/warn.json" 'd["response"]["allowed"]' 2>/dev/null)
    [[ $allowed == true ]] && break
    sleep 0.2
done
if [[ $allowed == true && $(json "$tmp/warn.json" 'len(d["response"].get("warnings") or []) > 0') == true ]]; then
    pass "warn-rollout policy reloaded (kubelet-style volume update): the denied pod is allowed with warnings"
else
    fail "warn-rollout policy: allowed=$allowed" "$(head -c 400 "$tmp/warn.json")"
fi

# --- shutdown --------------------------------------------------------------------------------------

stop_server TERM
if [[ $stop_status == 0 ]]; then
    pass "SIGTERM drains and exits 0"
else
    fail "SIGTERM: exit $stop_status" "$(tail -3 "$tmp/server.log")"
fi

# --- eat our own food: tidegate's Deployment under tidegate's policy -------------------------------

if "$bin" check --policy "$root/deploy/base/policy.yaml" --output json "$root/deploy/base/deployment.yaml" >"$tmp/self.json" 2>&1 &&
   [[ $(json "$tmp/self.json" '[o["allowed"] and not o["findings"] for o in d]') == '[true]' ]]; then
    pass "tidegate check: deploy/base Deployment passes the deployed policy with no findings"
else
    fail "tidegate check on deploy/base/deployment.yaml" "$(head -c 600 "$tmp/self.json")"
fi
# Under the embedded default the only objection is the registry, which the deployed policy adds.
"$bin" check --output json "$root/deploy/base/deployment.yaml" >"$tmp/default.json" 2>&1
rc=$?
if [[ $rc == 1 && $(json "$tmp/default.json" 'sorted({f["rule"] for o in d for f in o["findings"]})') == '["images.untrustedRegistry"]' ]]; then
    pass "under the default policy only images.untrustedRegistry objects (why policy.yaml trusts ghcr.io/tidegate)"
else
    fail "tidegate check with the default policy: exit $rc" "$(head -c 600 "$tmp/default.json")"
fi

finish
