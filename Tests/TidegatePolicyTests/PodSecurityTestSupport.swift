import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Pods for the Pod Security Standards tests: a pod that meets restricted, in all three
/// container lists, and tweaks that each break (or keep) exactly one rule.
enum PSSPods {
    static let hardened: JSONValue = [
        "allowPrivilegeEscalation": false,
        "capabilities": ["drop": ["ALL"]],
    ]

    /// Meets restricted at every version: one container of each kind.
    static let restricted: JSONValue = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "web", "namespace": "team-a"],
        "spec": [
            "securityContext": ["runAsNonRoot": true, "seccompProfile": ["type": "RuntimeDefault"]],
            "initContainers": [["name": "init", "image": "gcr.io/team/init:1", "securityContext": hardened]],
            "containers": [["name": "web", "image": "gcr.io/team/web:1", "securityContext": hardened]],
            "ephemeralContainers": [["name": "debug", "image": "gcr.io/team/debug:1", "securityContext": hardened]],
        ],
    ]

    /// Nothing set at all: meets baseline, not restricted.
    static let bare: JSONValue = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "web", "namespace": "team-a"],
        "spec": ["containers": [["name": "web", "image": "gcr.io/team/web:1"]]],
    ]
}

/// A change to a test pod: the value to place at a JSON Pointer (parents are created).
struct Tweak: Sendable {
    let pointer: String
    let value: JSONValue

    init(_ pointer: String, _ value: JSONValue) {
        self.pointer = pointer
        self.value = value
    }
}

extension JSONValue {
    func tweaked(_ tweaks: [Tweak]) throws -> JSONValue {
        var document = self
        for tweak in tweaks {
            let pointer = try #require(JSONPointer(tweak.pointer))
            document = try JSONPatch(FixBuilder.set(tweak.value, at: pointer, in: document)).applied(to: document)
        }
        return document
    }
}

/// One row of a check table: a pod, the level and version it is measured against, and
/// exactly which findings (`rule path`) must come out.
struct PSSCase: Sendable, CustomTestStringConvertible {
    let name: String
    let base: JSONValue
    let tweaks: [Tweak]
    let level: PodSecurityLevel
    let version: KubeVersion
    let expected: [String]

    init(
        _ name: String, base: JSONValue = PSSPods.restricted, _ tweaks: [Tweak], level: PodSecurityLevel,
        version: KubeVersion = .latest, expect expected: [String] = []
    ) {
        self.name = name
        self.base = base
        self.tweaks = tweaks
        self.level = level
        self.version = version
        self.expected = expected
    }

    var testDescription: String { name }
}

func v(_ minor: Int) -> KubeVersion { KubeVersion(minor: minor) }

/// A policy that runs the Pod Security Standards at `level`, and of Tidegate's own rules only
/// `securityContext.privileged` (which the folding tests need): image trust and the other
/// least-privilege rules would add findings these tests are not about.
func pssPolicy(_ level: PodSecurityLevel, _ version: KubeVersion = .latest) -> Policy {
    var policy = Policy()
    policy.podSecurity = PodSecuritySettings(level: level, version: version)
    policy.images.untrustedRegistry = .off
    policy.images.implicitRegistry = .off
    policy.images.mutableTag = .off
    policy.images.tagWithDigest = .off
    policy.securityContext.runAsNonRoot = .off
    policy.securityContext.capabilities = .off
    policy.securityContext.requireDropAll = .off
    policy.securityContext.allowPrivilegeEscalation = .off
    policy.securityContext.readOnlyRootFilesystem = .off
    policy.securityContext.misplacedFields = .off
    policy.securityContext.runAsUserUnset = .off
    return policy
}

/// The Pod Security Standards findings for `object`, only those rules running.
func pssFindings(
    _ object: JSONValue, _ level: PodSecurityLevel, _ version: KubeVersion = .latest, scope: ContainerScope = .all
) throws -> [Finding] {
    let pod = try #require(PodUnderReview(object: object))
    return PolicyEngine.evaluate(pod, policy: pssPolicy(level, version), scope: scope, checks: PodSecurity.registrations).findings
}

func keys(_ findings: [Finding]) -> [String] { findings.map { "\($0.rule) \($0.path)" }.sorted() }

/// Runs one table row: the findings are exactly the expected ones, all deny, and each finding
/// that carries a fix no longer appears once its fix is applied.
func checkRow(_ row: PSSCase) throws {
    let object = try row.base.tweaked(row.tweaks)
    let findings = try pssFindings(object, row.level, row.version)
    #expect(keys(findings) == row.expected.sorted())
    #expect(findings.allSatisfy { $0.action == .deny })
    for finding in findings {
        guard let fix = finding.fix else { continue }
        #expect(!fix.operations.isEmpty, "\(finding.rule) offers a fix that changes nothing")
        let fixed = try JSONPatch(fix.operations).applied(to: object)
        let after = try pssFindings(fixed, row.level, row.version)
        #expect(!after.contains { $0.rule == finding.rule && $0.path == finding.path },
                "\(finding.rule) at \(finding.path) survives its own fix")
    }
}

let pssC0 = "/spec/containers/0"
let i0 = "/spec/initContainers/0"
let e0 = "/spec/ephemeralContainers/0"
let psc = "/spec/securityContext"
