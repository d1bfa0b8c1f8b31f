import Testing
import TidegateJSON
@testable import TidegatePolicy

/// The example the project was started from: a pod-level `readOnlyRootFilesystem` that
/// Kubernetes drops, an unpinned nginx, and one added capability.
let seedPod = #"""
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
 "spec":{"securityContext":{"runAsUser":1000,"readOnlyRootFilesystem":true},
  "containers":[{"name":"web","image":"nginx","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"]}}}]}}
"""#

@Suite struct SecurityContextSeedTests {
    static let expectedSecurityContextWarnings = [
        ExpectedFinding(RuleID.misplacedFields, .warn, "/spec/securityContext/readOnlyRootFilesystem"),
        ExpectedFinding(RuleID.requireDropAll, .warn, "/spec/containers/0/securityContext/capabilities/drop"),
        ExpectedFinding(RuleID.allowPrivilegeEscalation, .warn, "/spec/containers/0/securityContext/allowPrivilegeEscalation"),
    ]

    @Test func leastPrivilegeRulesGiveExactlyThreeWarnings() throws {
        let evaluation = PolicyEngine.evaluate(try parseJSON(seedPod), policy: .default, checks: securityContextChecks())
        #expect(!evaluation.denied)
        #expect(evaluation.findings.map(ExpectedFinding.init) == Self.expectedSecurityContextWarnings)
    }

    @Test func theWholePolicyAllowsItWithOnlyTheIssuesFiveWarnings() throws {
        let evaluation = PolicyEngine.evaluate(try parseJSON(seedPod), policy: .default)
        #expect(!evaluation.denied)
        #expect(evaluation.findings.allSatisfy { $0.action == .warn })
        #expect(evaluation.findings.filter { $0.rule.hasPrefix("securityContext.") }.map(ExpectedFinding.init)
                == Self.expectedSecurityContextWarnings)
        let imageRules = evaluation.findings.filter { !$0.rule.hasPrefix("securityContext.") }.map(\.rule)
        if Checks.imageChecks.isEmpty {
            #expect(imageRules.isEmpty)
        } else {
            #expect(imageRules == [RuleID.implicitRegistry, RuleID.mutableTag])
        }
    }

    @Test func fixingLeavesTheRunningUserAndMovesTheFilesystemSetting() throws {
        let result = fixSecurityContext(try parseJSON(seedPod))
        #expect(result.remaining.filter { $0.rule.hasPrefix("securityContext.") }.isEmpty)
        let expected = try parseJSON(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
         "spec":{"securityContext":{"runAsUser":1000},
          "containers":[{"name":"web","image":"nginx","securityContext":{
            "capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]},
            "readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}]}}
        """#)
        #expect(result.fixed == expected)
    }

    @Test func explainShowsTheDroppedFieldAndTheUser() throws {
        let pod = try #require(PodUnderReview(object: try parseJSON(seedPod)))
        let e = try #require(pod.effectiveSecurityContexts().first)
        #expect(e.whoami == "uid 1000, from the pod")
        #expect(e.readOnlyRootFilesystem == .unset)
        #expect(e.ignoredPodFields.map(\.field) == ["readOnlyRootFilesystem"])
        #expect(e.rows.first { $0.field == "readOnlyRootFilesystem" }?.note
                == "unset: the root filesystem is writable; the pod-level readOnlyRootFilesystem is ignored (Kubernetes drops it there)")
        #expect(e.rows.first { $0.field == "runAsUser" }?.path?.description == "/spec/securityContext/runAsUser")
    }
}
