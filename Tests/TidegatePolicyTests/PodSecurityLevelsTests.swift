import Testing
import TidegateJSON
@testable import TidegatePolicy

@Suite("Pod Security Standards: levels report")
struct PodSecurityLevelsTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let object: JSONValue
        let version: KubeVersion
        let level: PodSecurityLevel
        let next: PodSecurityLevel?
        let failing: [String]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a hardened pod is restricted", object: PSSPods.restricted, version: .latest,
            level: .restricted, next: nil, failing: []),
        Row(name: "a pod that sets nothing is baseline, missing four restricted rules", object: PSSPods.bare, version: .latest,
            level: .baseline, next: .restricted,
            failing: ["podSecurity.allowPrivilegeEscalation", "podSecurity.runAsNonRoot", "podSecurity.seccompProfile_restricted",
                      "podSecurity.capabilities_restricted"]),
        Row(name: "a pod that sets nothing misses only two restricted rules at v1.18", object: PSSPods.bare, version: v(18),
            level: .baseline, next: .restricted, failing: ["podSecurity.allowPrivilegeEscalation", "podSecurity.runAsNonRoot"]),
        Row(name: "a privileged pod on the host network is privileged, missing two baseline rules",
            object: try! PSSPods.restricted.tweaked([Tweak("/spec/hostNetwork", true), Tweak("\(pssC0)/securityContext/privileged", true),
                                                     Tweak("\(i0)/securityContext/privileged", true)]),
            version: .latest, level: .privileged, next: .baseline,
            failing: ["podSecurity.hostNamespaces", "podSecurity.privileged"]),
        Row(name: "a pod with an unsafe sysctl is privileged only from the version that still forbids it",
            object: try! PSSPods.restricted.tweaked([Tweak("\(psc)/sysctls", [["name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"]])]),
            version: v(31), level: .privileged, next: .baseline, failing: ["podSecurity.sysctls"]),
        Row(name: "the same pod is restricted at v1.32",
            object: try! PSSPods.restricted.tweaked([Tweak("\(psc)/sysctls", [["name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"]])]),
            version: v(32), level: .restricted, next: nil, failing: []),
        Row(name: "a Deployment's pod template is measured", object: [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
                "spec": ["template": ["metadata": ["labels": ["app": "d"]], "spec": PSSPods.restricted["spec"]!]],
            ], version: .latest, level: .restricted, next: nil, failing: []),
    ]

    @Test(arguments: rows)
    func report(_ row: Row) throws {
        let report = try #require(PodSecurityLevels.evaluate(row.object, version: row.version))
        #expect(report.level == row.level)
        #expect(report.nextLevel == row.next)
        #expect(report.failingRules == row.failing)
        #expect(report.version == row.version)
    }

    @Test func failuresCarryMessagesAndTheMechanicalFixes() throws {
        let report = try #require(PodSecurityLevels.evaluate(PSSPods.bare))
        #expect(report.failures.allSatisfy { $0.fix != nil && $0.action == .deny })
        let privileged = try #require(PodSecurityLevels.evaluate(try PSSPods.bare.tweaked([
            Tweak("\(pssC0)/securityContext/privileged", true), Tweak("\(pssC0)/ports", [["containerPort": 80, "hostPort": 80]]),
        ])))
        #expect(privileged.failures.map(\.message) == [
            "container \"web\": privileged (must not set securityContext.privileged=true)",
            "container \"web\": hostPort (must not use hostPort 80)",
        ])
        #expect(privileged.failures.map { $0.fix?.summary } == ["set privileged: false", nil])
    }

    @Test func objectsWithoutAPodSpecHaveNoReport() {
        #expect(PodSecurityLevels.evaluate(["apiVersion": "v1", "kind": "ConfigMap", "data": [:]]) == nil)
    }

    @Test func privilegedLevelHasNoViolations() throws {
        let pod = try #require(PodUnderReview(object: try PSSPods.bare.tweaked([Tweak("/spec/hostPID", true)])))
        #expect(PodSecurityLevels.violations(of: pod, level: .privileged).isEmpty)
        #expect(PodSecurityLevels.violations(of: pod, level: .baseline).count == 1)
    }
}

@Suite("Pod Security Standards: in the policy engine")
struct PodSecurityPolicyTests {
    static let privilegedHostPID: JSONValue = try! PSSPods.restricted.tweaked([
        Tweak("/spec/hostPID", true), Tweak("\(e0)/securityContext/privileged", true), Tweak("\(pssC0)/securityContext/privileged", true),
        Tweak("\(psc)/runAsNonRoot", nil),
    ])

    @Test func offUnlessThePolicySetsALevel() {
        let findings = PolicyEngine.evaluate(Self.privilegedHostPID, policy: Policy()).findings
        #expect(!findings.contains { PodSecurity.isRule($0.rule) })
    }

    @Test func privilegedLevelRunsNothing() {
        let findings = PolicyEngine.evaluate(Self.privilegedHostPID, policy: pssPolicy(.privileged)).findings
        #expect(!findings.contains { PodSecurity.isRule($0.rule) })
    }

    @Test func theConfiguredVersionChoosesTheRule() throws {
        let object = try PSSPods.restricted.tweaked([Tweak("\(psc)/sysctls", [["name": "net.ipv4.tcp_keepalive_time", "value": "60"]])])
        let old = PolicyEngine.evaluate(object, policy: pssPolicy(.baseline, v(28))).findings
        let new = PolicyEngine.evaluate(object, policy: pssPolicy(.baseline, v(29))).findings
        #expect(old.map(\.rule) == ["podSecurity.sysctls"])
        #expect(new.isEmpty)
    }

    @Test func baselineDeniesOnlyBaselineRules() {
        let evaluation = PolicyEngine.evaluate(Self.privilegedHostPID, policy: pssPolicy(.baseline))
        // podSecurity.privileged says what securityContext.privileged says, so it is folded.
        #expect(evaluation.findings.map(\.rule) == [RuleID.privileged, RuleID.privileged, "podSecurity.hostNamespaces"])
        #expect(evaluation.duplicates.map(\.rule) == ["podSecurity.privileged", "podSecurity.privileged"])
        #expect(evaluation.denied)
    }

    @Test func ephemeralContainerReviewsSeeOnlyEphemeralContainers() throws {
        let findings = try pssFindings(Self.privilegedHostPID, .restricted, scope: .ephemeralOnly)
        #expect(keys(findings) == [
            "podSecurity.privileged \(e0)/securityContext/privileged",
            "podSecurity.runAsNonRoot \(e0)/securityContext/runAsNonRoot",
        ])
        // The pod spec cannot change in that request, so the fix goes on the container.
        let fix = try #require(findings.first { $0.rule == "podSecurity.runAsNonRoot" }?.fix)
        #expect(fix.operations.map(\.path.description) == ["\(e0)/securityContext/runAsNonRoot"])
    }

    @Test func ephemeralContainerReviewsGetNoPatchForAnnotations() throws {
        let object = try PSSPods.restricted.tweaked([
            Tweak("/metadata/annotations", ["container.seccomp.security.alpha.kubernetes.io/debug": "unconfined",
                                            "seccomp.security.alpha.kubernetes.io/pod": "unconfined"]),
        ])
        let findings = try pssFindings(object, .baseline, v(18), scope: .ephemeralOnly)
        #expect(keys(findings) == ["podSecurity.seccompProfile_baseline /metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1debug"])
        #expect(findings.allSatisfy { $0.fix == nil })
        #expect(try pssFindings(object, .baseline, v(18)).allSatisfy { $0.fix != nil })
    }

    @Test func everyRuleIsNamedForItsCheck() {
        #expect(PodSecurity.ruleIDs.count == 19)
        #expect(PodSecurity.ruleIDs.allSatisfy { $0.hasPrefix("podSecurity.") })
        #expect(PodSecurity.ruleIDs.contains("podSecurity.hostProbesAndHostLifecycle"))
    }
}
