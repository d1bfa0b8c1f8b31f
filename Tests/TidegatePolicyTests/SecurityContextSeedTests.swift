import Testing
import TidegateJSON
@testable import TidegatePolicy

@Suite struct SecurityContextSeedTests {
    static let expectedSecurityContextWarnings = [
        ExpectedRuleFinding(RuleID.misplacedFields, .warn, "/spec/securityContext/readOnlyRootFilesystem"),
        ExpectedRuleFinding(RuleID.requireDropAll, .warn, "/spec/containers/0/securityContext/capabilities/drop"),
        ExpectedRuleFinding(RuleID.allowPrivilegeEscalation, .warn, "/spec/containers/0/securityContext/allowPrivilegeEscalation"),
    ]

    @Test func leastPrivilegeRulesGiveExactlyThreeWarnings() throws {
        let evaluation = PolicyEngine.evaluate(try SCFixtures.json(SCFixtures.seedPod), policy: .default, checks: securityContextChecks())
        #expect(!evaluation.denied)
        #expect(evaluation.findings.map(ExpectedRuleFinding.init) == Self.expectedSecurityContextWarnings)
    }

    @Test func theWholePolicyAllowsItWithOnlyTheIssuesFiveWarnings() throws {
        let evaluation = PolicyEngine.evaluate(try SCFixtures.json(SCFixtures.seedPod), policy: .default)
        #expect(!evaluation.denied)
        #expect(evaluation.findings.allSatisfy { $0.action == .warn })
        #expect(evaluation.findings.filter { $0.rule.hasPrefix("securityContext.") }.map(ExpectedRuleFinding.init)
                == Self.expectedSecurityContextWarnings)
        let imageRules = evaluation.findings.filter { !$0.rule.hasPrefix("securityContext.") }.map(\.rule)
        if Checks.imageChecks.isEmpty {
            #expect(imageRules.isEmpty)
        } else {
            #expect(imageRules == [RuleID.implicitRegistry, RuleID.mutableTag])
        }
    }

    @Test func fixingLeavesTheRunningUserAndMovesTheFilesystemSetting() throws {
        let result = fixSecurityContext(try SCFixtures.json(SCFixtures.seedPod))
        #expect(result.remaining.filter { $0.rule.hasPrefix("securityContext.") }.isEmpty)
        let expected = try SCFixtures.json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
         "spec":{"securityContext":{"runAsUser":1000},
          "containers":[{"name":"web","image":"nginx","securityContext":{
            "capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]},
            "readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}]}}
        """#)
        #expect(result.fixed == expected)
    }

    @Test func explainShowsTheDroppedFieldAndTheUser() throws {
        let pod = try #require(PodUnderReview(object: try SCFixtures.json(SCFixtures.seedPod)))
        let e = try #require(pod.effectiveSecurityContexts().first)
        #expect(e.whoami == "uid 1000, from the pod")
        #expect(e.readOnlyRootFilesystem == .unset)
        #expect(e.ignoredPodFields.map(\.field) == ["readOnlyRootFilesystem"])
        #expect(e.rows.first { $0.field == "readOnlyRootFilesystem" }?.note
                == "unset: the root filesystem is writable; the pod-level readOnlyRootFilesystem is ignored (Kubernetes drops it there)")
        #expect(e.rows.first { $0.field == "runAsUser" }?.path?.description == "/spec/securityContext/runAsUser")
    }
}
