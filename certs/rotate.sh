#!/usr/bin/env bash
# Rotates the webhook's CA and serving certificate without a moment where the apiserver distrusts
# the certificate a replica is serving. See certs/README.md for the whole procedure.
#
#   Step 1: certs/rotate.sh --from OLD_DIR --out NEW_DIR [--secret FILE] [--ca-bundle-into FILE]...
#           New CA + leaf in NEW_DIR; NEW_DIR/ca-bundle.crt = new CA + old CA (the overlap bundle).
#           Apply the patched webhook configurations first, then the Secret.
#   Step 2: certs/rotate.sh --finish NEW_DIR [--ca-bundle-into FILE]...
#           Once every replica serves the new leaf: the bundle becomes the new CA alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "rotate: $*" >&2; exit 1; }
usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

from=
out=
finish=
pass=()
inject=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --from) [[ $# -ge 2 ]] || die "--from needs a value"; from=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || die "--out needs a value"; out=$2; shift 2 ;;
        --finish) [[ $# -ge 2 ]] || die "--finish needs a value"; finish=$2; shift 2 ;;
        --ca-bundle-into) [[ $# -ge 2 ]] || die "--ca-bundle-into needs a value"; inject+=("$2"); shift 2 ;;
        --service|--namespace|--secret|--secret-name|--days|--ca-days)
            [[ $# -ge 2 ]] || die "$1 needs a value"; pass+=("$1" "$2"); shift 2 ;;
        --force) pass+=("$1"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

inject_args=()
for f in ${inject[@]+"${inject[@]}"}; do inject_args+=(--ca-bundle-into "$f"); done

if [[ -n $finish ]]; then
    [[ -z $from && -z $out ]] || die "--finish takes only the new directory (and --ca-bundle-into)"
    [[ -f $finish/ca.crt && -f $finish/tls.crt ]] || die "$finish holds no certificate set"
    openssl verify -CAfile "$finish/ca.crt" "$finish/tls.crt" >/dev/null || die "$finish/tls.crt is not signed by $finish/ca.crt"
    cp "$finish/ca.crt" "$finish/ca-bundle.crt.tmp"
    chmod 0644 "$finish/ca-bundle.crt.tmp"
    mv -f "$finish/ca-bundle.crt.tmp" "$finish/ca-bundle.crt"
    for f in ${inject[@]+"${inject[@]}"}; do "$here/../deploy/scripts/inject-ca-bundle.sh" "$finish/ca-bundle.crt" "$f"; done
    echo "rotate: $finish/ca-bundle.crt now trusts only the new CA; apply the webhook configurations again." >&2
    base64 -w0 < "$finish/ca-bundle.crt" >&2; echo >&2
    exit 0
fi

[[ -n $from && -n $out ]] || { usage >&2; die "need --from OLD_DIR and --out NEW_DIR (or --finish NEW_DIR)"; }
[[ -f $from/ca.crt ]] || die "$from/ca.crt does not exist"
mkdir -p "$out"
[[ $(cd "$from" && pwd) != $(cd "$out" && pwd) ]] || die "--from and --out must differ: the old set is still being served"

"$here/make-certs.sh" --out "$out" --extra-ca "$from/ca.crt" ${pass[@]+"${pass[@]}"} ${inject_args[@]+"${inject_args[@]}"}

cat >&2 <<EOT
rotate: $out/ca-bundle.crt trusts the new and the old CA. In this order:
  1. kubectl apply the webhook configurations patched with that bundle (old leaves still verify).
  2. kubectl apply the new Secret; the kubelet refreshes the mounted files (up to about a minute plus
     its cache TTL) and tidegate reloads them without a restart.
  3. When every replica serves the new leaf (check: openssl s_client via port-forward), run
     certs/rotate.sh --finish $out --ca-bundle-into FILE and apply once more.
EOT
