#!/usr/bin/env bash
# Times `tidegate check` over N generated manifests (default 1,000 Deployments in one
# directory, each with two containers), the offline path CI pipelines use.
# Usage: Benchmarks/check-many.sh [N]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
swift build -c release --product tidegate >/dev/null
bin=.build/release/tidegate
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in $(seq 1 "$n"); do
  cat > "$dir/app-$i.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-$i, namespace: team-$((i % 7))}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-$i}}
  template:
    metadata: {labels: {app: app-$i}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000}
      containers:
      - name: web
        image: gcr.io/team/web:1.$i
        ports: [{containerPort: 8080}]
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      - name: sidecar
        image: nginx
        securityContext: {capabilities: {add: [NET_ADMIN]}}
YAML
done
echo "tidegate check on $n manifests ($(du -sh "$dir" | cut -f1)):"
start=$(date +%s.%N)
"$bin" check --output json "$dir" > /dev/null || true
end=$(date +%s.%N)
echo "  wall: $(echo "$end - $start" | bc) s"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 5 --ignore-failure "$bin check --output json $dir"
fi
