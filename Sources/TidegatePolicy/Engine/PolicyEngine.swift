import TidegateJSON

/// The findings for one submitted object.
public struct PolicyEvaluation: Sendable {
    /// The pod spec that was checked; nil for kinds that carry none (allowed untouched).
    public let pod: PodUnderReview?
    public let findings: [Finding]

    public var denied: Bool { findings.contains { $0.action == .deny } }

    public init(pod: PodUnderReview?, findings: [Finding]) {
        self.pod = pod
        self.findings = findings
    }
}

/// The result of applying fixes until none applies any more.
public struct FixResult: Sendable {
    /// All operations, in order; each applies to the document as the previous ones left it.
    public let patch: JSONPatch
    public let fixed: JSONValue
    /// What is still wrong after fixing (findings with no mechanical fix, or not selected).
    public let remaining: [Finding]
}

/// The pure policy core: decoded object + policy in, findings out.
public enum PolicyEngine {
    public static func evaluate(
        _ object: JSONValue, policy: Policy, scope: ContainerScope = .all,
        checks: [CheckRegistration] = Checks.all
    ) -> PolicyEvaluation {
        guard let pod = PodUnderReview(object: object) else { return PolicyEvaluation(pod: nil, findings: []) }
        return evaluate(pod, policy: policy, scope: scope, checks: checks)
    }

    public static func evaluate(
        _ pod: PodUnderReview, policy: Policy, scope: ContainerScope = .all,
        checks: [CheckRegistration] = Checks.all
    ) -> PolicyEvaluation {
        let context = CheckContext(pod: pod, policy: policy, scope: scope)
        var findings: [Finding] = []
        for check in checks {
            let action = check.action(policy)
            guard action != .off, let evaluate = check.implementation(at: .latest) else { continue }
            for violation in evaluate(context) {
                findings.append(Finding(rule: check.id, action: action, violation: violation))
            }
        }
        return PolicyEvaluation(pod: pod, findings: findings)
    }

    /// Applies the fixes of the selected rules one at a time, re-checking after each, until no
    /// selected finding has a fix that changes the document. Re-checking (rather than
    /// concatenating every fix computed against the original) keeps fixes that touch the same
    /// parent from overwriting each other.
    public static func fix(
        _ object: JSONValue, policy: Policy, scope: ContainerScope = .all,
        selecting select: (Finding) -> Bool = { _ in true }
    ) -> FixResult {
        var document = object
        var operations: [PatchOperation] = []
        var tried: Set<String> = []
        // Each round fixes one finding; the bound only guards against a check whose fix does
        // not remove its own finding.
        for _ in 0..<500 {
            let evaluation = evaluate(document, policy: policy, scope: scope)
            guard let next = evaluation.findings.first(where: { finding in
                guard let fix = finding.fix, !fix.operations.isEmpty, select(finding) else { return false }
                return !tried.contains(finding.rule + " " + finding.path.description)
            }) else {
                return FixResult(patch: JSONPatch(operations), fixed: document, remaining: evaluation.findings)
            }
            tried.insert(next.rule + " " + next.path.description)
            guard let fix = next.fix, let patched = try? JSONPatch(fix.operations).applied(to: document) else { continue }
            document = patched
            operations.append(contentsOf: fix.operations)
        }
        return FixResult(patch: JSONPatch(operations), fixed: document,
                         remaining: evaluate(document, policy: policy, scope: scope).findings)
    }
}
