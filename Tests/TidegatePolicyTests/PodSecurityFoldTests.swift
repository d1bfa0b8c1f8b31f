import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Tidegate's own rules and the Pod Security Standards flag some fields alike; one problem
/// must come out as one finding, at the stricter action.
@Suite("Pod Security Standards: folding into Tidegate findings")
struct PodSecurityFoldTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let tidegate: RuleAction
        let level: PodSecurityLevel?
        let rule: String
        let action: RuleAction
        let folded: [String]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a warning Tidegate rule takes the standards' deny and keeps its id", tidegate: .warn, level: .baseline,
            rule: RuleID.privileged, action: .deny, folded: ["podSecurity.privileged"]),
        Row(name: "a denying Tidegate rule absorbs the standards' finding", tidegate: .deny, level: .restricted,
            rule: RuleID.privileged, action: .deny, folded: ["podSecurity.privileged"]),
        Row(name: "with the Tidegate rule off the standards' finding stands alone", tidegate: .off, level: .baseline,
            rule: "podSecurity.privileged", action: .deny, folded: []),
        Row(name: "without standards the Tidegate rule keeps its own action", tidegate: .warn, level: nil,
            rule: RuleID.privileged, action: .warn, folded: []),
    ]

    @Test(arguments: rows)
    func privilegedContainer(_ row: Row) throws {
        var policy = Policy()
        policy.securityContext.privileged = row.tidegate
        policy.podSecurity = row.level.map { PodSecuritySettings(level: $0) }
        let object = try PSSPods.restricted.tweaked([Tweak("\(pssC0)/securityContext/privileged", true)])
        let evaluation = PolicyEngine.evaluate(object, policy: policy)
        let atPath = evaluation.findings.filter { $0.path.description == "\(pssC0)/securityContext/privileged" }
        #expect(atPath.map(\.rule) == [row.rule])
        #expect(atPath.map(\.action) == [row.action])
        #expect(evaluation.duplicates.map(\.rule) == row.folded)
    }

    /// A stand-in for Tidegate's own escalation rule: same field, same patch.
    static let tidegateEscalation = CheckRegistration(id: RuleID.allowPrivilegeEscalation, action: { $0.securityContext.allowPrivilegeEscalation }) { context in
        context.pod.visitContainers(context.scope) { container in
            guard container.securityContext?["allowPrivilegeEscalation"]?.boolValue != false else { return [] }
            let path = container.securityContextPath / "allowPrivilegeEscalation"
            return [Violation(path: path, container: container.ref, message: "may gain privileges (setuid binaries)",
                              fix: Fix("set allowPrivilegeEscalation: false", FixBuilder.set(false, at: path, in: context.pod.object)))]
        }
    }

    @Test func foldedFindingsStayAutoApplicableUnderTheTidegateRule() throws {
        var policy = pssPolicy(.restricted)
        policy.securityContext.allowPrivilegeEscalation = .warn
        let checks = [Self.tidegateEscalation] + PodSecurity.registrations
        let object = try PSSPods.restricted.tweaked([Tweak("\(i0)/securityContext/allowPrivilegeEscalation", true)])
        let evaluation = PolicyEngine.evaluate(object, policy: policy, checks: checks)
        #expect(evaluation.findings.map(\.rule) == [RuleID.allowPrivilegeEscalation])
        #expect(evaluation.findings.map(\.action) == [.deny])
        #expect(evaluation.findings.map(\.message) == ["initContainer \"init\": may gain privileges (setuid binaries)"])
        #expect(evaluation.duplicates.map(\.rule) == ["podSecurity.allowPrivilegeEscalation"])
        #expect(policy.mutation.autoApply.contains(evaluation.findings[0].rule))
    }

    /// Every Tidegate rule with a standards twin, on together with the standards: one finding
    /// per field, under the Tidegate rule.
    @Test func eachFieldIsReportedOnceWhenBothRuleSetsFlagIt() throws {
        var policy = Policy()
        policy.podSecurity = PodSecuritySettings(level: .restricted)
        for rule in [\SecurityContextRules.hostNamespaces, \.hostNetwork, \.procMount, \.privileged] {
            policy.securityContext[keyPath: rule] = .deny
        }
        let object = try PSSPods.restricted.tweaked([
            Tweak("/spec/hostPID", true), Tweak("/spec/hostNetwork", true),
            Tweak("\(pssC0)/securityContext/procMount", "Unmasked"), Tweak("\(pssC0)/securityContext/privileged", true),
        ])
        let evaluation = PolicyEngine.evaluate(object, policy: policy)
        for path in ["/spec/hostPID", "/spec/hostNetwork", "\(pssC0)/securityContext/procMount", "\(pssC0)/securityContext/privileged"] {
            let atPath = evaluation.findings.filter { $0.path.description == path }
            #expect(atPath.count == 1, "\(path): \(atPath.map(\.rule))")
            #expect(atPath.allSatisfy { !PodSecurity.isRule($0.rule) }, "\(path)")
        }
    }

    static func finding(_ rule: String, _ path: String, _ action: RuleAction, fix: [PatchOperation]?) -> Finding {
        Finding(rule: rule, action: action, violation: Violation(
            path: JSONPointer(path)!, container: nil, message: rule, fix: fix.map { Fix("fix", $0) }))
    }

    struct FoldRow: Sendable, CustomTestStringConvertible {
        let name: String
        let findings: [Finding]
        let kept: [String]
        let duplicates: [String]
        var testDescription: String { name }
    }

    static let setFalse: [PatchOperation] = [.replace(JSONPointer("/a")!, false)]

    static let foldRows: [FoldRow] = [
        FoldRow(name: "same place and same patch fold", findings: [
            finding("securityContext.x", "/a", .warn, fix: setFalse), finding("podSecurity.x", "/a", .deny, fix: setFalse),
        ], kept: ["securityContext.x deny"], duplicates: ["podSecurity.x"]),
        FoldRow(name: "same place and no patch on either fold", findings: [
            finding("podSecurity.x", "/a", .deny, fix: nil), finding("securityContext.x", "/a", .deny, fix: nil),
        ], kept: ["securityContext.x deny"], duplicates: ["podSecurity.x"]),
        FoldRow(name: "a standards finding with no patch folds into a Tidegate one that has one", findings: [
            finding("securityContext.x", "/a", .warn, fix: setFalse), finding("podSecurity.x", "/a", .deny, fix: nil),
        ], kept: ["securityContext.x deny"], duplicates: ["podSecurity.x"]),
        FoldRow(name: "a Tidegate finding with no patch keeps a standards one that has one", findings: [
            finding("securityContext.x", "/a", .warn, fix: nil), finding("podSecurity.x", "/a", .deny, fix: setFalse),
        ], kept: ["securityContext.x warn", "podSecurity.x deny"], duplicates: []),
        FoldRow(name: "a different patch at the same place is a different remedy", findings: [
            finding("securityContext.x", "/a", .warn, fix: setFalse), finding("podSecurity.x", "/a", .deny, fix: [.remove(JSONPointer("/a")!)]),
        ], kept: ["securityContext.x warn", "podSecurity.x deny"], duplicates: []),
        FoldRow(name: "a different place is a different problem", findings: [
            finding("securityContext.x", "/a", .warn, fix: setFalse), finding("podSecurity.x", "/b", .deny, fix: setFalse),
        ], kept: ["securityContext.x warn", "podSecurity.x deny"], duplicates: []),
        FoldRow(name: "two standards findings never fold into each other", findings: [
            finding("podSecurity.x", "/a", .deny, fix: nil), finding("podSecurity.y", "/a", .deny, fix: nil),
        ], kept: ["podSecurity.x deny", "podSecurity.y deny"], duplicates: []),
        FoldRow(name: "the report order is kept", findings: [
            finding("images.a", "/i", .warn, fix: nil), finding("securityContext.x", "/a", .warn, fix: setFalse),
            finding("securityContext.y", "/c", .warn, fix: nil), finding("podSecurity.x", "/a", .deny, fix: setFalse),
            finding("podSecurity.z", "/z", .deny, fix: nil),
        ], kept: ["images.a warn", "securityContext.x deny", "securityContext.y warn", "podSecurity.z deny"], duplicates: ["podSecurity.x"]),
    ]

    @Test(arguments: foldRows)
    func fold(_ row: FoldRow) {
        var findings = row.findings
        let duplicates = PolicyEngine.foldDuplicates(&findings)
        #expect(findings.map { "\($0.rule) \($0.action.rawValue)" } == row.kept)
        #expect(duplicates.map(\.rule) == row.duplicates)
    }
}
