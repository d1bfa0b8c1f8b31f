#!/usr/bin/env bash
# Makes a private CA and a serving certificate for the Tidegate Service, with the OpenSSL CLI.
#
# kube-apiserver calls a Service webhook as https://<svc>.<ns>.svc:<port>/..., so the leaf must carry
# that DNS SAN (the apiserver ignores the subject CN). The .cluster.local form serves in-cluster
# callers that use the full name; localhost and 127.0.0.1 serve `kubectl port-forward` and local runs.
# Keys are ECDSA P-256: every Kubernetes release and OpenSSL 3 accept them, and handshakes are cheap.
#
# Re-running against a directory that already holds a matching set keeps it (and still writes the
# Secret, patches manifests and prints the bundle); --force replaces it.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: certs/make-certs.sh [options]

  --service NAME         Service name (default: tidegate)
  --namespace NS         Service namespace (default: tidegate-system)
  --out DIR              Output directory (default: certs/dev next to this script)
  --force                Replace certificates that already exist in DIR
  --renew-leaf           New serving certificate and key from the CA already in DIR
  --secret FILE          Also write a kubernetes.io/tls Secret manifest to FILE (holds the private key)
  --secret-name NAME     Name of that Secret (default: tidegate-tls)
  --ca-bundle-into FILE  Patch every `caBundle:` in FILE (rendered webhook configurations); repeatable
  --print-ca-bundle      Print only the base64 caBundle on stdout (for scripts)
  --ca-days N            CA validity in days (default: 1826, about 5 years)
  --days N               Serving certificate validity in days (default: 365)
  --extra-ca FILE        Also trust this CA in the bundle (used by rotate.sh for overlap)
  -h, --help             This help

Writes into DIR: ca.key ca.crt tls.key tls.crt ca-bundle.crt (what the apiserver trusts).
Diagnostics go to stderr; stdout carries the caBundle only with --print-ca-bundle.
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
service=tidegate
namespace=tidegate-system
out="$here/dev"
force=false
renew_leaf=false
secret_file=
secret_name=tidegate-tls
print_bundle=false
ca_days=1826
leaf_days=365
extra_ca=
inject_into=()

die() { echo "make-certs: $*" >&2; exit 1; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --service) need_value "$@"; service=$2; shift 2 ;;
        --namespace) need_value "$@"; namespace=$2; shift 2 ;;
        --out) need_value "$@"; out=$2; shift 2 ;;
        --force) force=true; shift ;;
        --renew-leaf) renew_leaf=true; shift ;;
        --secret) need_value "$@"; secret_file=$2; shift 2 ;;
        --secret-name) need_value "$@"; secret_name=$2; shift 2 ;;
        --ca-bundle-into) need_value "$@"; inject_into+=("$2"); shift 2 ;;
        --print-ca-bundle) print_bundle=true; shift ;;
        --ca-days) need_value "$@"; ca_days=$2; shift 2 ;;
        --days) need_value "$@"; leaf_days=$2; shift 2 ;;
        --extra-ca) need_value "$@"; extra_ca=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

# DNS-1035 labels: a wrong name here yields a certificate the apiserver will never accept.
dns_label='^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ $service =~ $dns_label ]] || die "--service '$service' is not a DNS-1035 label"
[[ $namespace =~ $dns_label ]] || die "--namespace '$namespace' is not a DNS-1035 label"
[[ $ca_days =~ ^[1-9][0-9]*$ && $leaf_days =~ ^[1-9][0-9]*$ ]] || die "--ca-days and --days take positive integers"
(( leaf_days <= ca_days )) || die "--days ($leaf_days) must not outlive the CA (--ca-days $ca_days)"
[[ -z $extra_ca ]] || openssl x509 -in "$extra_ca" -noout 2>/dev/null || die "--extra-ca $extra_ca is not a PEM certificate"
command -v openssl >/dev/null || die "openssl is not installed"

svc_dns="$service.$namespace.svc"
sans="DNS:$svc_dns,DNS:$svc_dns.cluster.local,DNS:localhost,IP:127.0.0.1"
files=(ca.key ca.crt tls.key tls.crt ca-bundle.crt)

mkdir -p "$out"
out=$(cd "$out" && pwd)
present=0
for f in "${files[@]}"; do [[ -e $out/$f ]] && present=$((present + 1)); done

# generate new-ca|renew-leaf: a whole new set, or a new leaf from the CA already in $out.
generate() {
    local what=$1 work
    work=$(mktemp -d "$out/.make-certs.XXXXXX")
    # Private keys must never be group/world readable, not even for a moment.
    (
        umask 077
        cd "$work"
        if [[ $what == renew-leaf ]]; then
            cp "$out/ca.key" "$out/ca.crt" "$out/ca-bundle.crt" .
        else
            make_ca
            cp ca.crt ca-bundle.crt
        fi
        make_leaf
        openssl verify -CAfile ca-bundle.crt tls.crt >/dev/null
        chmod 0644 ca.crt tls.crt ca-bundle.crt
    )
    # Move the finished set into place together, so a failed run never leaves half a set behind.
    for f in "${files[@]}"; do mv -f "$work/$f" "$out/$f"; done
    rmdir "$work"
}

make_ca() {
    # A dated CA name tells old and new apart in a rotation bundle.
    local stamp
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days "$ca_days" \
        -subj "/O=tidegate/CN=tidegate webhook CA $stamp" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out ca.crt
}

make_leaf() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls.key 2>/dev/null
    openssl req -new -key tls.key -subj "/O=tidegate/CN=$svc_dns" -out tls.csr
    cat > leaf.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=$sans
EOF
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -sha256 -days "$leaf_days" \
        -set_serial "0x$(openssl rand -hex 16)" -extfile leaf.ext -out tls.crt 2>/dev/null
    rm -f tls.csr leaf.ext
}

if [[ $renew_leaf == true ]]; then
    # Same CA, so the caBundle in the webhook configurations stays valid: no overlap needed.
    [[ $present -eq ${#files[@]} ]] || die "--renew-leaf needs a complete set in $out"
    [[ $force == false ]] || die "--renew-leaf and --force exclude each other"
    generate renew-leaf
    echo "make-certs: wrote a new serving certificate for $svc_dns to $out (CA kept)" >&2
elif [[ $force == true || $present -eq 0 ]]; then
    generate new-ca
    echo "make-certs: wrote CA and serving certificate for $svc_dns to $out" >&2
elif [[ $present -ne ${#files[@]} ]]; then
    die "$out holds only part of a certificate set; use --force to replace it"
else
    # Keeping a set that names another Service would break admission silently, so check first.
    openssl x509 -in "$out/tls.crt" -noout -checkhost "$svc_dns" | grep -q 'does match' \
        || die "$out/tls.crt is not valid for $svc_dns; use --force to replace it"
    openssl verify -CAfile "$out/ca-bundle.crt" "$out/tls.crt" >/dev/null \
        || die "$out/tls.crt does not verify against $out/ca-bundle.crt; use --force to replace it"
    echo "make-certs: keeping the existing certificates in $out (use --force to replace them)" >&2
fi

if [[ -n $extra_ca ]]; then
    # Overlap for rotation: the apiserver accepts a leaf from either CA while the new one rolls out.
    cat "$out/ca.crt" "$extra_ca" > "$out/ca-bundle.crt.tmp"
    chmod 0644 "$out/ca-bundle.crt.tmp"
    mv -f "$out/ca-bundle.crt.tmp" "$out/ca-bundle.crt"
fi

b64() { base64 -w0 < "$1"; }
bundle=$(b64 "$out/ca-bundle.crt")

if [[ -n $secret_file ]]; then
    mkdir -p "$(dirname "$secret_file")"
    (
        umask 077
        cat > "$secret_file" <<EOF
# Generated by certs/make-certs.sh. Holds a private key: never commit it.
apiVersion: v1
kind: Secret
metadata:
  name: $secret_name
  namespace: $namespace
  labels:
    app.kubernetes.io/name: tidegate
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
  ca.crt: $bundle
EOF
    )
    echo "make-certs: wrote Secret $namespace/$secret_name to $secret_file" >&2
fi

for target in ${inject_into[@]+"${inject_into[@]}"}; do
    "$here/../deploy/scripts/inject-ca-bundle.sh" "$out/ca-bundle.crt" "$target"
done

if [[ $print_bundle == true ]]; then
    printf '%s\n' "$bundle"
else
    echo "make-certs: caBundle (base64 of $out/ca-bundle.crt):" >&2
    printf '%s\n' "$bundle" >&2
fi
