import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Manifests and builders shared by the least-privilege tests.
enum SCFixtures {
    /// Parses JSON written in a test, failing the test (not crashing) on a typo.
    static func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        do {
            return try JSONReader().parse(text)
        } catch {
            Issue.record("test JSON does not parse: \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// A Pod object around `spec` (JSON text of the pod spec).
    static func pod(_ spec: String) throws -> JSONValue {
        try workload(.pod, spec: spec)
    }

    /// An object of `kind` whose pod spec is `spec`, shaped as the API server sends it.
    static func workload(_ kind: WorkloadKind, spec: String) throws -> JSONValue {
        let podSpec = try json(spec)
        let template: JSONValue = ["metadata": ["labels": ["app": "demo"]], "spec": podSpec]
        let body: JSONValue
        switch kind {
        case .pod:
            return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "demo", "namespace": "shop"], "spec": podSpec]
        case .podTemplate:
            return ["apiVersion": "v1", "kind": "PodTemplate", "metadata": ["name": "demo"], "template": template]
        case .cronJob:
            body = ["schedule": "*/5 * * * *", "jobTemplate": ["spec": ["template": template]]]
        case .replicationController:
            body = ["replicas": 1, "selector": ["app": "demo"], "template": template]
        case .job:
            body = ["template": template]
        case .deployment, .replicaSet, .statefulSet, .daemonSet:
            body = ["selector": ["matchLabels": ["app": "demo"]], "template": template]
        }
        let apiVersion: JSONValue = switch kind {
        case .job: "batch/v1"
        case .cronJob: "batch/v1"
        case .replicationController: "v1"
        default: "apps/v1"
        }
        return ["apiVersion": apiVersion, "kind": .string(kind.rawValue), "metadata": ["name": "demo"], "spec": body]
    }

    /// A container that passes every least-privilege rule of the default policy.
    static let hardenedContainer = #"""
    {"name":"app","image":"registry.k8s.io/pause:3.10","securityContext":{"runAsNonRoot":true,"runAsUser":1000,
     "allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}
    """#

    /// The example the project was started from: a pod-level `readOnlyRootFilesystem` that
    /// Kubernetes drops, an unpinned nginx, and one added capability.
    static let seedPod = #"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
     "spec":{"securityContext":{"runAsUser":1000,"readOnlyRootFilesystem":true},
      "containers":[{"name":"web","image":"nginx","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"]}}}]}}
    """#
}

/// What a test expects of one finding.
struct ExpectedRuleFinding: Equatable, CustomStringConvertible {
    var rule: String
    var action: RuleAction
    var path: String
    var fixable: Bool

    init(_ rule: String, _ action: RuleAction, _ path: String, fixable: Bool = true) {
        self.rule = rule
        self.action = action
        self.path = path
        self.fixable = fixable
    }

    init(_ finding: Finding) {
        self.init(finding.rule, finding.action, finding.path.description,
                  fixable: !(finding.fix?.operations.isEmpty ?? true))
    }

    var description: String { "\(rule) \(action) \(path)\(fixable ? " (fix)" : "")" }
}

/// The least-privilege checks, optionally only the one with `rule`.
func securityContextChecks(_ rule: String? = nil) -> [CheckRegistration] {
    Checks.securityContextChecks.filter { rule == nil || $0.id == rule }
}
