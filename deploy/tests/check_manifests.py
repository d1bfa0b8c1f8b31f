#!/usr/bin/env python3
"""Self-checks for deploy/ and certs/: the invariants an operator relies on, asserted on what
kubectl would actually apply.

Renders every overlay with `kubectl kustomize` when kubectl is installed (otherwise checks the base
files as written and says which checks it skipped), runs the certificate scripts in a temporary
directory, and prints `N passed, M failed` as its last line. Exit status 1 when anything failed.
"""

import base64
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # scripts/install-deps installs it
    print("check_manifests: PyYAML is missing (python3 -m pip install PyYAML)")
    print("0 passed, 1 failed")
    sys.exit(1)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
CERTS = os.path.join(ROOT, "certs")
KUBECTL = shutil.which("kubectl")
OPENSSL = shutil.which("openssl")

NAMESPACE = "tidegate-system"
SERVICE = "tidegate"
SERVICE_DNS = f"{SERVICE}.{NAMESPACE}.svc"
PLACEHOLDER = "CA_BUNDLE_PLACEHOLDER"
WEBHOOK_PORT = 8443
HEALTH_PORT = 8081
UID = 65532

# (apiGroup, resource) pairs a webhook must see: every object that carries a pod template.
REQUIRED_RESOURCES = {
    ("", "pods"),
    ("", "pods/ephemeralcontainers"),
    ("", "replicationcontrollers"),
    ("", "podtemplates"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
}

# What each overlay must render to: failure policy per webhook kind, policy mode, CA source.
OVERLAYS = {
    "base": {"path": "deploy/base", "failure": {"ValidatingWebhookConfiguration": "Fail"},
             "mode": "enforce", "ca": "placeholder"},
    "mutating": {"path": "deploy/overlays/mutating",
                 "failure": {"ValidatingWebhookConfiguration": "Fail", "MutatingWebhookConfiguration": "Fail"},
                 "mode": "enforce", "ca": "placeholder"},
    "cert-manager": {"path": "deploy/overlays/cert-manager",
                     "failure": {"ValidatingWebhookConfiguration": "Fail"}, "mode": "enforce", "ca": "cert-manager"},
    "warn-rollout": {"path": "deploy/overlays/warn-rollout",
                     "failure": {"ValidatingWebhookConfiguration": "Fail"}, "mode": "warn", "ca": "placeholder"},
    # The combination deploy/README.md shows: components/mutating before components/cert-manager.
    "mutating+cert-manager": {"components": ["deploy/components/mutating", "deploy/components/cert-manager"],
                              "failure": {"ValidatingWebhookConfiguration": "Fail",
                                          "MutatingWebhookConfiguration": "Fail"},
                              "mode": "enforce", "ca": "cert-manager"},
    "failure-ignore": {"path": "deploy/overlays/failure-ignore",
                       "failure": {"ValidatingWebhookConfiguration": "Ignore"}, "mode": "enforce",
                       "ca": "placeholder"},
}

POLICY_KEYS = {
    None: {"apiVersion", "kind", "mode", "images", "securityContext", "exemptions", "mutation"},
    "images": {"trustedRegistries", "untrustedRegistry", "implicitRegistry", "mutableTag", "requireDigest",
               "tagWithDigest"},
    "securityContext": {"runAsNonRoot", "capabilities", "allowedCapabilities", "requireDropAll", "privileged",
                        "allowPrivilegeEscalation", "readOnlyRootFilesystem", "misplacedFields", "runAsUserUnset"},
    "exemptions": {"namespaces", "usernames", "groups"},
    "mutation": {"autoApply"},
}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn, *args):
        try:
            fn(*args)
        except AssertionError as e:
            self.failed += 1
            print(f"FAIL  {name}: {e}")
        except Exception as e:  # a crash in a check is a failure of that check, not of the run
            self.failed += 1
            print(f"FAIL  {name}: {type(e).__name__}: {e}")
        else:
            self.passed += 1
            print(f"ok    {name}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def render(expect):
    if "path" in expect:
        return kustomize(os.path.join(ROOT, expect["path"]))
    # A throwaway overlay composing base with components, as an operator's own overlay would.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
            yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                            # kustomize takes only relative paths for these.
                            "resources": [os.path.relpath(os.path.join(DEPLOY, "base"), tmp)],
                            "components": [os.path.relpath(os.path.join(ROOT, c), tmp)
                                           for c in expect["components"]]}, f)
        return kustomize(tmp)


def kustomize(path):
    out = run([KUBECTL, "kustomize", path])
    assert out.returncode == 0, f"kubectl kustomize {path} failed: {out.stderr.strip()}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def raw_base():
    """The base resources as written, for machines without kubectl (the ConfigMap is generated)."""
    with open(os.path.join(DEPLOY, "base", "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    docs = []
    for name in kustomization["resources"]:
        with open(os.path.join(DEPLOY, "base", name)) as f:
            docs += [d for d in yaml.safe_load_all(f) if d]
    with open(os.path.join(DEPLOY, "base", "policy.yaml")) as f:
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "tidegate-policy", "namespace": NAMESPACE},
                     "data": {"policy.yaml": f.read()}})
    return docs


def only(docs, kind, name=None):
    found = [d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind}{' ' + name if name else ''}, found {len(found)}"
    return found[0]


def webhook_configs(docs):
    return [d for d in docs if d.get("kind") in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")]


# --- webhook configurations ---------------------------------------------------------------------

def check_webhooks(docs, expect):
    configs = webhook_configs(docs)
    kinds = sorted(c["kind"] for c in configs)
    assert kinds == sorted(expect["failure"]), f"webhook configurations {kinds}, expected {sorted(expect['failure'])}"
    for config in configs:
        hooks = config.get("webhooks") or []
        assert hooks, f"{config['kind']} has no webhooks"
        for hook in hooks:
            where = f"{config['kind']}/{hook.get('name')}"
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+){2,}", hook.get("name", "")), \
                f"{where}: webhook name must be a fully qualified domain-style name"
            assert hook.get("sideEffects") == "None", f"{where}: sideEffects {hook.get('sideEffects')!r}"
            assert hook.get("admissionReviewVersions") == ["v1"], \
                f"{where}: admissionReviewVersions {hook.get('admissionReviewVersions')!r}"
            timeout = hook.get("timeoutSeconds")
            assert isinstance(timeout, int) and 1 <= timeout <= 10, f"{where}: timeoutSeconds {timeout!r}"
            assert hook.get("failurePolicy") == expect["failure"][config["kind"]], \
                f"{where}: failurePolicy {hook.get('failurePolicy')!r}, expected {expect['failure'][config['kind']]}"
            assert hook.get("matchPolicy") == "Equivalent", f"{where}: matchPolicy {hook.get('matchPolicy')!r}"
            check_namespace_selector(where, hook.get("namespaceSelector") or {})
            check_rules(where, hook.get("rules") or [])
            service = (hook.get("clientConfig") or {}).get("service") or {}
            path = "/validate" if config["kind"] == "ValidatingWebhookConfiguration" else "/mutate"
            assert service.get("path") == path, f"{where}: path {service.get('path')!r}, expected {path}"
            assert (service.get("name"), service.get("namespace"), service.get("port", 443)) == \
                (SERVICE, NAMESPACE, 443), f"{where}: service reference {service}"
            if config["kind"] == "MutatingWebhookConfiguration":
                assert hook.get("reinvocationPolicy") == "IfNeeded", f"{where}: reinvocationPolicy"
            check_ca_source(where, config, hook, expect["ca"], docs)


def check_namespace_selector(where, selector):
    # matchLabels would turn the webhook into opt-in: every namespace without the label escapes.
    assert not selector.get("matchLabels"), f"{where}: namespaceSelector.matchLabels makes enforcement opt-in"
    exempt = [e for e in selector.get("matchExpressions") or []
              if e.get("key") == "kubernetes.io/metadata.name" and e.get("operator") == "NotIn"]
    assert exempt, f"{where}: no NotIn expression on the immutable kubernetes.io/metadata.name label"
    values = set(exempt[0].get("values") or [])
    assert {"kube-system", NAMESPACE} <= values, f"{where}: exempts {sorted(values)}"
    others = [e for e in selector.get("matchExpressions") or [] if e not in exempt]
    assert not others, f"{where}: extra namespace expressions {others} (namespace labels are user-editable)"


def check_rules(where, rules):
    covered = {}
    for rule in rules:
        assert rule.get("scope", "*") in ("*", "Namespaced"), f"{where}: rule scope {rule.get('scope')}"
        for group in rule.get("apiGroups", []):
            for resource in rule.get("resources", []):
                ops = set(rule.get("operations", []))
                versions = set(rule.get("apiVersions", []))
                covered.setdefault((group, resource), []).append((ops, versions))
    for group, resource in sorted(REQUIRED_RESOURCES):
        entries = covered.get((group, resource), []) + covered.get(("*", resource), [])
        assert entries, f"{where}: no rule covers {group or 'core'}/{resource}"
        ops = set().union(*(o for o, _ in entries))
        versions = set().union(*(v for _, v in entries))
        assert "*" in ops or {"CREATE", "UPDATE"} <= ops, f"{where}: {resource} operations {sorted(ops)}"
        assert "*" in versions or "v1" in versions, f"{where}: {resource} versions {sorted(versions)}"


def check_ca_source(where, config, hook, source, docs):
    bundle = (hook.get("clientConfig") or {}).get("caBundle")
    annotation = (config["metadata"].get("annotations") or {}).get("cert-manager.io/inject-ca-from")
    if source == "placeholder":
        assert bundle == PLACEHOLDER, f"{where}: caBundle {bundle!r}, expected the placeholder for the certs script"
        assert annotation is None, f"{where}: has a cert-manager annotation without the cert-manager overlay"
        return
    assert bundle is None, f"{where}: caBundle must be left to the cert-manager CA injector"
    assert annotation, f"{where}: missing cert-manager.io/inject-ca-from"
    ns, _, name = annotation.partition("/")
    cert = only(docs, "Certificate", name)
    assert cert["metadata"]["namespace"] == ns, f"{where}: annotation names {annotation}, Certificate is elsewhere"
    assert SERVICE_DNS in cert["spec"].get("dnsNames", []), f"Certificate {name} lacks DNS name {SERVICE_DNS}"
    secret = tls_secret_name(only(docs, "Deployment", "tidegate"))
    assert cert["spec"]["secretName"] == secret, \
        f"Certificate {name} writes {cert['spec']['secretName']}, the Deployment mounts {secret}"


# --- workload -----------------------------------------------------------------------------------

def tls_secret_name(deployment):
    volumes = deployment["spec"]["template"]["spec"].get("volumes", [])
    secrets = [v["secret"]["secretName"] for v in volumes if "secret" in v]
    assert len(secrets) == 1, f"Deployment mounts {len(secrets)} Secrets, expected the TLS Secret"
    return secrets[0]


def container_port(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    raise AssertionError(f"container {container['name']} has no port named {port!r}")


def flag(container, name):
    for arg in container.get("args", []):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"container {container['name']} has no --{name}=... argument")


def check_deployment(docs):
    dep = only(docs, "Deployment", "tidegate")
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    assert spec.get("replicas", 1) >= 2, f"replicas {spec.get('replicas')}"
    assert pod.get("automountServiceAccountToken") is False, "pod mounts a service account token"
    assert pod.get("priorityClassName"), "no priorityClassName: the webhook could be preempted"
    keys = {c.get("topologyKey") for c in pod.get("topologySpreadConstraints", [])}
    assert "kubernetes.io/hostname" in keys, "no topology spread across nodes"
    anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
    terms = anti.get("preferredDuringSchedulingIgnoredDuringExecution", []) + \
        anti.get("requiredDuringSchedulingIgnoredDuringExecution", [])
    assert any((t.get("podAffinityTerm") or t).get("topologyKey") == "kubernetes.io/hostname" for t in terms), \
        "no pod anti-affinity across nodes"
    psc = pod.get("securityContext") or {}
    assert psc.get("runAsNonRoot") is True, "pod runAsNonRoot is not true"
    assert psc.get("runAsUser") == UID and psc.get("runAsGroup") == UID, "pod runAsUser/runAsGroup not 65532"
    assert (psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", "pod seccompProfile"
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    assert containers, "no containers"
    for c in containers:
        sc = c.get("securityContext") or {}
        name = c["name"]
        assert sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation"
        assert sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem"
        assert sc.get("privileged") in (None, False), f"{name}: privileged"
        assert sc.get("runAsNonRoot") in (None, True), f"{name}: runAsNonRoot false overrides the pod"
        assert sc.get("runAsUser", UID) == UID and sc.get("runAsGroup", UID) == UID, f"{name}: runAsUser/Group"
        caps = sc.get("capabilities") or {}
        assert "ALL" in (caps.get("drop") or []), f"{name}: capabilities.drop lacks ALL"
        assert not caps.get("add"), f"{name}: adds capabilities {caps.get('add')}"
        assert (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", \
            f"{name}: seccompProfile"
        assert re.search(r"@sha256:[0-9a-f]{64}$", c["image"]), f"{name}: image {c['image']} not pinned by digest"
        res = c.get("resources") or {}
        for kind in ("cpu", "memory"):
            assert kind in (res.get("requests") or {}) and kind in (res.get("limits") or {}), \
                f"{name}: resources lack {kind} request or limit"
        assert any(p.get("containerPort") == WEBHOOK_PORT for p in c.get("ports", [])), f"{name}: no port 8443"
        assert flag(c, "listen").endswith(f":{WEBHOOK_PORT}"), f"{name}: --listen is not port {WEBHOOK_PORT}"
        health = flag(c, "health-listen")
        assert health.endswith(f":{HEALTH_PORT}"), f"{name}: --health-listen {health}"
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = (c.get(probe) or {}).get("httpGet") or {}
            assert get.get("path") == path, f"{name}: {probe} path {get.get('path')!r}, expected {path}"
            assert get.get("scheme", "HTTP") == "HTTP", f"{name}: {probe} must use the plain health port"
            assert container_port(c, get.get("port")) == HEALTH_PORT, f"{name}: {probe} not on the health port"
        mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for arg, kind in (("tls-cert", "secret"), ("tls-key", "secret"), ("policy", "configMap")):
            path = flag(c, arg)
            mounted = [n for n, p in mounts.items() if path.startswith(p.rstrip("/") + "/") and kind in volumes[n]]
            assert mounted, f"{name}: --{arg} {path} is not inside a mounted {kind}"
        assert not any(m.get("subPath") for m in c.get("volumeMounts", [])), \
            f"{name}: subPath mounts never see Secret/ConfigMap updates, which breaks hot reload"
    policy_volume = [v for v in pod["volumes"] if "configMap" in v]
    assert policy_volume and policy_volume[0]["configMap"]["name"] == "tidegate-policy", "policy ConfigMap volume"
    only(docs, "ConfigMap", "tidegate-policy")


def check_disruption_budget(docs):
    dep = only(docs, "Deployment", "tidegate")
    pdb = only(docs, "PodDisruptionBudget")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert all(labels.get(k) == v for k, v in selector.items()), "PodDisruptionBudget does not select the pods"
    assert pdb["metadata"]["namespace"] == dep["metadata"]["namespace"], "PodDisruptionBudget in another namespace"
    assert 1 <= pdb["spec"].get("minAvailable", 0) < dep["spec"]["replicas"], \
        "minAvailable must keep one replica up and still allow a drain"


def check_service_and_network(docs):
    dep = only(docs, "Deployment", "tidegate")
    container = dep["spec"]["template"]["spec"]["containers"][0]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    svc = only(docs, "Service", SERVICE)
    assert svc["metadata"]["namespace"] == NAMESPACE, "Service namespace"
    assert all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()), "Service does not select the pods"
    ports = {p["port"]: container_port(container, p.get("targetPort", p["port"])) for p in svc["spec"]["ports"]}
    assert ports.get(443) == WEBHOOK_PORT, f"Service 443 goes to {ports.get(443)}, expected {WEBHOOK_PORT}"
    assert HEALTH_PORT in ports.values(), "Service exposes no metrics port"
    netpol = only(docs, "NetworkPolicy")
    selector = netpol["spec"]["podSelector"]["matchLabels"]
    assert all(labels.get(k) == v for k, v in selector.items()), "NetworkPolicy does not select the pods"
    rules = netpol["spec"].get("ingress", [])
    webhook = [r for r in rules if any(p.get("port") == WEBHOOK_PORT for p in r.get("ports", []))]
    assert webhook and not webhook[0].get("from"), "the webhook port must be open to the apiserver from anywhere"
    metrics = [r for r in rules if any(p.get("port") == HEALTH_PORT for p in r.get("ports", []))]
    assert metrics and all(r.get("from") for r in metrics), "the metrics port must be limited by a from clause"
    assert all(r.get("ports") for r in rules), "an ingress rule without ports opens every port"


def check_namespace_and_account(docs):
    ns = only(docs, "Namespace", NAMESPACE)
    labels = ns["metadata"].get("labels") or {}
    for mode in ("enforce", "audit", "warn"):
        assert labels.get(f"pod-security.kubernetes.io/{mode}") == "restricted", f"namespace PSS {mode} label"
    sa = only(docs, "ServiceAccount", "tidegate")
    assert sa.get("automountServiceAccountToken") is False, "ServiceAccount automounts its token"
    assert not [d for d in docs if d.get("kind") in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")], \
        "tidegate needs no RBAC"


def policy_of(docs):
    return yaml.safe_load(only(docs, "ConfigMap", "tidegate-policy")["data"]["policy.yaml"])


def check_policy(docs, mode):
    policy = policy_of(docs)
    assert policy.get("apiVersion") == "tidegate.dev/v1alpha1" and policy.get("kind") == "Policy", "policy header"
    assert policy.get("mode") == mode, f"policy mode {policy.get('mode')!r}, expected {mode}"
    unknown = set(policy) - POLICY_KEYS[None]
    assert not unknown, f"unknown policy keys {sorted(unknown)}"
    for section, keys in POLICY_KEYS.items():
        if section and section in policy:
            unknown = set(policy[section] or {}) - keys
            assert not unknown, f"unknown keys in {section}: {sorted(unknown)}"
    # Eat our own food: tidegate's own image must come from a registry its policy trusts.
    image = only(docs, "Deployment", "tidegate")["spec"]["template"]["spec"]["containers"][0]["image"]
    repo = image.split("@")[0]
    trusted = policy["images"]["trustedRegistries"]
    assert any(repo == t or repo.startswith(t.rstrip("/") + "/") for t in trusted), \
        f"{repo} is not under trustedRegistries {trusted}"


def check_warn_policy_differs_only_in_mode(base_docs, warn_docs):
    base, warn = policy_of(base_docs), policy_of(warn_docs)
    assert warn["mode"] == "warn" and base["mode"] == "enforce", "modes"
    base.pop("mode"), warn.pop("mode")
    assert base == warn, "warn-rollout policy drifted from the base policy beyond its mode"


def check_placeholder_fails_closed(docs):
    # The placeholder must not be valid base64, or an un-patched apply would register a webhook with
    # garbage trust and (failurePolicy Fail) block every covered request.
    for config in webhook_configs(docs):
        for hook in config["webhooks"]:
            value = hook["clientConfig"].get("caBundle", "")
            try:
                base64.b64decode(value, validate=True)
            except Exception:
                continue
            raise AssertionError(f"{config['kind']}: placeholder caBundle {value!r} decodes as base64")


# --- certificates -------------------------------------------------------------------------------

def sh(args, cwd=None, ok=True):
    out = run(args, cwd=cwd)
    if ok:
        assert out.returncode == 0, f"{' '.join(args)} exited {out.returncode}: {out.stderr.strip()[-400:]}"
    return out


def cert_text(path):
    return sh([OPENSSL, "x509", "-in", path, "-noout", "-text"]).stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_certs_make(tmp, rendered):
    script = os.path.join(CERTS, "make-certs.sh")
    out = os.path.join(tmp, "set")
    target = os.path.join(tmp, "webhooks.yaml")
    with open(target, "w") as f:
        yaml.safe_dump_all(rendered, f)
    res = sh([script, "--out", out, "--secret", os.path.join(tmp, "secret.yaml"), "--ca-bundle-into", target,
              "--print-ca-bundle"])
    printed = res.stdout.strip()
    bundle = read(os.path.join(out, "ca-bundle.crt"))
    assert base64.b64decode(printed) == bundle, "--print-ca-bundle does not print base64 of ca-bundle.crt"
    # Every caBundle in the patched manifests decodes to the bundle; no placeholder is left.
    with open(target) as f:
        text = f.read()
    assert PLACEHOLDER not in text, "placeholder left after --ca-bundle-into"
    patched = [d for d in yaml.safe_load_all(text) if d]
    hooks = [h for c in webhook_configs(patched) for h in c["webhooks"]]
    assert hooks and all(base64.b64decode(h["clientConfig"]["caBundle"]) == bundle for h in hooks), \
        "caBundle in the manifests is not the generated bundle"
    assert [d for d in patched if d.get("kind") == "Deployment"] == \
        [d for d in rendered if d.get("kind") == "Deployment"], "--ca-bundle-into changed more than caBundle"
    # The leaf verifies against the bundle and names what kube-apiserver dials.
    sh([OPENSSL, "verify", "-CAfile", os.path.join(out, "ca-bundle.crt"), os.path.join(out, "tls.crt")])
    leaf = cert_text(os.path.join(out, "tls.crt"))
    for san in (f"DNS:{SERVICE_DNS}", f"DNS:{SERVICE_DNS}.cluster.local", "DNS:localhost", "IP Address:127.0.0.1"):
        assert san in leaf, f"leaf lacks SAN {san}"
    assert "prime256v1" in leaf or "P-256" in leaf, "leaf key is not P-256"
    assert "TLS Web Server Authentication" in leaf, "leaf lacks serverAuth"
    assert "CA:TRUE" in cert_text(os.path.join(out, "ca.crt")), "CA is not a CA"
    for key in ("ca.key", "tls.key"):
        mode = os.stat(os.path.join(out, key)).st_mode & 0o777
        assert mode == 0o600, f"{key} has mode {oct(mode)}"
    # -checkend N exits 0 when the certificate is still valid N seconds from now.
    assert sh([OPENSSL, "x509", "-in", os.path.join(out, "tls.crt"), "-noout", "-checkend", str(364 * 86400)],
              ok=False).returncode == 0, "leaf expires within a year"
    assert sh([OPENSSL, "x509", "-in", os.path.join(out, "tls.crt"), "-noout", "-checkend", str(366 * 86400)],
              ok=False).returncode == 1, "leaf outlives a year"
    assert sh([OPENSSL, "x509", "-in", os.path.join(out, "ca.crt"), "-noout", "-checkend", str(4 * 365 * 86400)],
              ok=False).returncode == 0, "CA lives less than about five years"
    secret = yaml.safe_load(read(os.path.join(tmp, "secret.yaml")))
    assert secret["type"] == "kubernetes.io/tls" and secret["metadata"]["namespace"] == NAMESPACE, "Secret shape"
    assert base64.b64decode(secret["data"]["tls.crt"]) == read(os.path.join(out, "tls.crt")), "Secret tls.crt"
    assert base64.b64decode(secret["data"]["tls.key"]) == read(os.path.join(out, "tls.key")), "Secret tls.key"


def check_certs_idempotent(tmp):
    script = os.path.join(CERTS, "make-certs.sh")
    out = os.path.join(tmp, "idem")
    sh([script, "--out", out])
    before = read(os.path.join(out, "tls.crt"))
    sh([script, "--out", out])
    assert read(os.path.join(out, "tls.crt")) == before, "re-run without --force replaced the certificate"
    wrong = sh([script, "--out", out, "--service", "other"], ok=False)
    assert wrong.returncode != 0 and "--force" in wrong.stderr, "kept a set that does not name the new Service"
    sh([script, "--out", out, "--force"])
    assert read(os.path.join(out, "tls.crt")) != before, "--force did not replace the certificate"
    ca, leaf = read(os.path.join(out, "ca.crt")), read(os.path.join(out, "tls.crt"))
    sh([script, "--out", out, "--renew-leaf"])
    assert read(os.path.join(out, "ca.crt")) == ca, "--renew-leaf replaced the CA"
    assert read(os.path.join(out, "tls.crt")) != leaf, "--renew-leaf kept the old leaf"
    sh([OPENSSL, "verify", "-CAfile", os.path.join(out, "ca-bundle.crt"), os.path.join(out, "tls.crt")])
    os.remove(os.path.join(out, "tls.key"))
    partial = sh([script, "--out", out], ok=False)
    assert partial.returncode != 0, "accepted a directory holding half a certificate set"
    bad = sh([script, "--out", out, "--service", "Not_A_Label", "--force"], ok=False)
    assert bad.returncode != 0, "accepted a Service name that is not a DNS label"


def check_certs_rotation(tmp):
    old, new = os.path.join(tmp, "old"), os.path.join(tmp, "new")
    target = os.path.join(tmp, "rotate.yaml")
    with open(target, "w") as f:
        f.write(f"webhooks:\n- name: a.tidegate.dev\n  clientConfig:\n    caBundle: {PLACEHOLDER}\n")
    sh([os.path.join(CERTS, "make-certs.sh"), "--out", old])
    sh([os.path.join(CERTS, "rotate.sh"), "--from", old, "--out", new, "--ca-bundle-into", target])
    bundle = os.path.join(new, "ca-bundle.crt")
    assert read(bundle).count(b"BEGIN CERTIFICATE") == 2, "overlap bundle does not hold two CAs"
    assert read(os.path.join(new, "ca.crt")) != read(os.path.join(old, "ca.crt")), "rotation reused the old CA"
    for leaf in (old, new):  # during the overlap both the serving and the next leaf verify
        sh([OPENSSL, "verify", "-CAfile", bundle, os.path.join(leaf, "tls.crt")])
    injected = yaml.safe_load(read(target))["webhooks"][0]["clientConfig"]["caBundle"]
    assert base64.b64decode(injected) == read(bundle), "overlap bundle not injected"
    sh([os.path.join(CERTS, "rotate.sh"), "--finish", new, "--ca-bundle-into", target])
    assert read(bundle).count(b"BEGIN CERTIFICATE") == 1, "--finish kept the old CA"
    stale = sh([OPENSSL, "verify", "-CAfile", bundle, os.path.join(old, "tls.crt")], ok=False)
    assert stale.returncode != 0, "old leaf still verifies after --finish"
    injected = yaml.safe_load(read(target))["webhooks"][0]["clientConfig"]["caBundle"]
    assert base64.b64decode(injected) == read(bundle), "final bundle not injected"


def check_inject_refuses_bad_input(tmp):
    inject = os.path.join(DEPLOY, "scripts", "inject-ca-bundle.sh")
    no_field = os.path.join(tmp, "nofield.yaml")
    with open(no_field, "w") as f:
        f.write("kind: ConfigMap\n")
    good = os.path.join(tmp, "rotate-src")
    sh([os.path.join(CERTS, "make-certs.sh"), "--out", good])
    assert sh([inject, os.path.join(good, "ca-bundle.crt"), no_field], ok=False).returncode != 0, \
        "patched a file without a caBundle field"
    broken = os.path.join(tmp, "broken.pem")
    with open(broken, "wb") as f:
        f.write(read(os.path.join(good, "ca.crt"))[:200])
    target = os.path.join(tmp, "target.yaml")
    with open(target, "w") as f:
        f.write(f"caBundle: {PLACEHOLDER}\n")
    assert sh([inject, broken, target], ok=False).returncode != 0, "accepted a truncated bundle"
    assert read(target) == f"caBundle: {PLACEHOLDER}\n".encode(), "a refused injection modified the file"


# --- container build ----------------------------------------------------------------------------

def check_containerfile():
    with open(os.path.join(DEPLOY, "Containerfile")) as f:
        text = f.read()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) == 2 and stages[0].startswith("swift:6") and stages[1].startswith("debian:bookworm-slim"), \
        f"stages {stages}"
    assert "swift build -c release --static-swift-stdlib --product tidegate" in text, "release build command"
    runtime = text[text.rindex("\nFROM "):]
    installs = re.search(r"apt-get install(?:\\\n|[^\n])*", runtime)
    assert installs, "runtime stage installs nothing"
    packages = set(re.findall(r"\b(lib[a-z0-9.-]+|ca-certificates)\b", installs.group(0)))
    assert packages == {"libssl3", "libnghttp2-14", "ca-certificates"}, f"runtime packages {sorted(packages)}"
    assert re.search(r"^USER\s+65532(:65532)?\s*$", runtime, re.M), "runtime USER is not numeric 65532"
    assert re.search(r'^ENTRYPOINT\s+\[".*/tidegate",\s*"serve"\]', runtime, re.M), \
        "ENTRYPOINT is not `tidegate serve`"
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ignored = f.read().split()
    for entry in (".build", "certs"):
        assert any(line.strip("/").startswith(entry) for line in ignored), f".dockerignore lacks {entry}"


def check_scripts_parse():
    for script in ("certs/make-certs.sh", "certs/rotate.sh", "deploy/scripts/inject-ca-bundle.sh",
                   "deploy/tests/e2e.sh"):
        path = os.path.join(ROOT, script)
        assert os.access(path, os.X_OK), f"{script} is not executable"
        sh(["bash", "-n", path])


def reraise(error):
    raise error


def main():
    results = Results()
    rendered = {}
    if KUBECTL:
        for name, expect in OVERLAYS.items():
            try:
                rendered[name] = render(expect)
            except AssertionError as e:
                results.check(f"render {name}", reraise, e)
    else:
        print("skip  rendering overlays: kubectl is not installed; checking deploy/base files as written")
        rendered["base"] = raw_base()

    for name, docs in rendered.items():
        expect = OVERLAYS[name]
        results.check(f"{name}: webhook configurations", check_webhooks, docs, expect)
        results.check(f"{name}: deployment hardening, probes, mounts", check_deployment, docs)
        results.check(f"{name}: pod disruption budget", check_disruption_budget, docs)
        results.check(f"{name}: service and network policy", check_service_and_network, docs)
        results.check(f"{name}: namespace PSS labels and service account", check_namespace_and_account, docs)
        results.check(f"{name}: policy", check_policy, docs, expect["mode"])
        if expect["ca"] == "placeholder":
            results.check(f"{name}: caBundle placeholder fails closed", check_placeholder_fails_closed, docs)
    if "warn-rollout" in rendered:
        results.check("warn-rollout: policy differs from base only in mode",
                      check_warn_policy_differs_only_in_mode, rendered["base"], rendered["warn-rollout"])

    if OPENSSL:
        with tempfile.TemporaryDirectory() as tmp:
            target = copy.deepcopy(rendered.get("mutating") or rendered["base"])
            results.check("certs: make-certs.sh + --ca-bundle-into", check_certs_make, tmp, target)
            results.check("certs: idempotent, --force, --renew-leaf, refusals", check_certs_idempotent, tmp)
            results.check("certs: rotate.sh overlap and finish", check_certs_rotation, tmp)
            results.check("certs: inject-ca-bundle.sh refuses bad input", check_inject_refuses_bad_input, tmp)
    else:
        print("skip  certificate scripts: openssl is not installed")

    results.check("Containerfile and .dockerignore", check_containerfile)
    results.check("scripts are executable and parse", check_scripts_parse)

    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
