#!/usr/bin/env bash
# Writes a CA bundle into every `caBundle:` field of rendered webhook configuration manifests.
#
#   deploy/scripts/inject-ca-bundle.sh CA_BUNDLE.pem FILE...
#
# The base manifests carry `caBundle: CA_BUNDLE_PLACEHOLDER`, which is not base64 on purpose: applying
# it un-patched fails at the apiserver instead of registering a webhook nobody can reach (with
# failurePolicy Fail that would block every covered request). The value is replaced in place, so a
# file that already holds a bundle is updated too (certificate rotation).
set -euo pipefail

die() { echo "inject-ca-bundle: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || die "usage: inject-ca-bundle.sh CA_BUNDLE.pem FILE..."

bundle_file=$1
shift
# Every certificate in the bundle must parse: a truncated bundle would lock the apiserver out.
count=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$bundle_file" || true)
[[ $count -ge 1 ]] || die "$bundle_file holds no PEM certificate"
parsed=$(openssl crl2pkcs7 -nocrl -certfile "$bundle_file" 2>/dev/null | openssl pkcs7 -print_certs -noout 2>/dev/null | grep -c '^subject=' || true)
[[ $parsed -eq $count ]] || die "$bundle_file: only $parsed of $count certificates parse"
bundle=$(base64 -w0 < "$bundle_file")

for target in "$@"; do
    [[ -f $target ]] || die "$target does not exist"
    fields=$(grep -cE '^[[:space:]-]*caBundle:' "$target" || true)
    [[ $fields -ge 1 ]] || die "$target has no caBundle field (cert-manager manifests get theirs from the CA injector)"
    # Keep indentation and any list dash; replace the value only. base64 never contains '|'.
    sed -E -i "s|^([[:space:]-]*caBundle:)[[:space:]]*.*\$|\\1 $bundle|" "$target"
    echo "inject-ca-bundle: wrote a $count-certificate bundle into $fields caBundle field(s) of $target" >&2
done
