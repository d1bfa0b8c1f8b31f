import Testing
import TidegateAdmission
import TidegateJSON
import TidegatePolicy

/// `securityContext.skipOnUpdate`: the listed rules judge CREATE but neither deny nor patch
/// UPDATE; rules not listed still do.
@Suite struct SkipOnUpdateTests {
    func review(_ operation: String) throws -> AdmissionReviewRequest {
        let text = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"},"resource":{"resource":"pods"},"namespace":"default","operation":"\#(operation)","userInfo":{"username":"dev"},"object":{"kind":"Pod","metadata":{"name":"p"},"spec":{"hostIPC":true,"containers":[{"name":"a","image":"gcr.io/x:1","securityContext":{"privileged":true}}]}}}}"#
        return try AdmissionReviewRequest(document: try JSONReader().parse(text))
    }

    var policy: Policy {
        var p = Policy()
        p.securityContext = SecurityContextRules()
        for rule in [\SecurityContextRules.runAsNonRoot, \.requireDropAll, \.allowPrivilegeEscalation, \.readOnlyRootFilesystem,
                     \.misplacedFields, \.runAsUserUnset, \.capabilities] {
            p.securityContext[keyPath: rule] = .off
        }
        p.securityContext.privileged = .deny
        p.securityContext.hostNamespaces = .deny
        p.securityContext.skipOnUpdate = ["privileged"]
        p.images.implicitRegistry = .off
        p.mutation.autoApply = [RuleID.privileged]
        return p
    }

    @Test func createIsJudgedByEveryRule() throws {
        let decision = AdmissionEngine(policy: policy).review(try review("CREATE"), endpoint: .validate).decision
        #expect(Set(decision.findings.map(\.rule)) == [RuleID.privileged, RuleID.hostNamespaces])
    }

    @Test func updateSkipsOnlyTheListedRules() throws {
        let decision = AdmissionEngine(policy: policy).review(try review("UPDATE"), endpoint: .validate).decision
        #expect(decision.findings.map(\.rule) == [RuleID.hostNamespaces])
        #expect(!decision.allowed)
    }

    @Test func updateIsNotPatchedForASkippedRule() throws {
        let create = AdmissionEngine(policy: policy).review(try review("CREATE"), endpoint: .mutate).decision
        let update = AdmissionEngine(policy: policy).review(try review("UPDATE"), endpoint: .mutate).decision
        #expect(create.patchOperations > 0)
        #expect(update.patchOperations == 0)
    }

    /// skipOnUpdate names Tidegate's own rules; the Pod Security Standards rule that says the
    /// same thing is a rule of its own and still judges the UPDATE (it used to be folded into
    /// the skipped finding and vanish with it).
    @Test func theStandardsTwinOfASkippedRuleStillJudgesUpdate() throws {
        var policy = policy
        policy.podSecurity = PodSecuritySettings(level: .baseline)
        let decision = AdmissionEngine(policy: policy).review(try review("UPDATE"), endpoint: .validate).decision
        #expect(Set(decision.findings.map(\.rule)).isSuperset(of: ["podSecurity.privileged", RuleID.hostNamespaces]))
        #expect(!decision.findings.contains { $0.rule == RuleID.privileged })
        #expect(!decision.allowed)
    }

    /// readOnlyRootFilesystem stays quiet about a pod-level readOnlyRootFilesystem that the
    /// misplaced-fields rule reports instead; with that rule skipped on UPDATE it must speak,
    /// or the UPDATE is judged by neither.
    @Test func aRuleDeferringToASkippedRuleJudgesUpdateItself() throws {
        let text = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"},"resource":{"resource":"pods"},"namespace":"default","operation":"UPDATE","userInfo":{"username":"dev"},"object":{"kind":"Pod","metadata":{"name":"p"},"spec":{"securityContext":{"readOnlyRootFilesystem":true},"containers":[{"name":"a","image":"gcr.io/x:1"}]}}}}"#
        var policy = policy
        policy.securityContext.readOnlyRootFilesystem = .warn
        policy.securityContext.misplacedFields = .warn
        policy.securityContext.skipOnUpdate = ["misplacedFields"]
        let request = try AdmissionReviewRequest(document: try JSONReader().parse(text))
        let update = AdmissionEngine(policy: policy).review(request, endpoint: .validate).decision
        #expect(update.findings.map(\.rule) == [RuleID.readOnlyRootFilesystem])
    }
}
