import TidegateJSON

/// The findings for one submitted object.
public struct PolicyEvaluation: Sendable {
    /// The pod spec that was checked; nil for kinds that carry none (allowed untouched).
    public let pod: PodUnderReview?
    public let findings: [Finding]
    /// Pod Security Standards findings folded into a Tidegate finding that says the same thing
    /// (see `PolicyEngine.foldDuplicates`), kept so that every rule that fired can be listed.
    public let duplicates: [Finding]

    public init(pod: PodUnderReview?, findings: [Finding], duplicates: [Finding] = []) {
        self.pod = pod
        self.findings = findings
        self.duplicates = duplicates
    }

    public var denied: Bool { findings.contains { $0.action == .deny } }
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
        checks: [CheckRegistration] = Checks.all, fixes: FixDemand = .all
    ) -> PolicyEvaluation {
        guard let pod = PodUnderReview(object: object) else { return PolicyEvaluation(pod: nil, findings: []) }
        return evaluate(pod, policy: policy, scope: scope, checks: checks, fixes: fixes)
    }

    public static func evaluate(
        _ pod: PodUnderReview, policy: Policy, scope: ContainerScope = .all,
        checks: [CheckRegistration] = Checks.all, fixes: FixDemand = .all
    ) -> PolicyEvaluation {
        evaluate(pod, policy: policy, plan: CheckPlan(policy: policy, checks: checks), scope: scope, fixes: fixes)
    }

    /// Evaluates with the checks `plan` resolved for `policy` (the webhook resolves them once
    /// per policy, not per review).
    public static func evaluate(
        _ pod: PodUnderReview, policy: Policy, plan: CheckPlan, scope: ContainerScope = .all, fixes: FixDemand = .all
    ) -> PolicyEvaluation {
        var context = CheckContext(pod: pod, policy: policy, scope: scope)
        // Folding duplicates compares fixes, so with the standards on every fix is built.
        let everyFix = fixes == .all || policy.podSecurity != nil
        let exempt = pod.exemptContainers(policy)
        var findings: [Finding] = []
        findings.reserveCapacity(16)
        for step in plan.steps {
            context.wantsFixes = everyFix || step.denies
            for violation in step.evaluate(context) where violation.container.map(exempt.contains) != true {
                findings.append(Finding(rule: step.id, action: step.action, violation: violation))
            }
        }
        // Only the standards' findings can duplicate Tidegate's own.
        let duplicates = policy.podSecurity != nil ? foldDuplicates(&findings) : []
        return PolicyEvaluation(pod: pod, findings: findings, duplicates: duplicates)
    }

    /// Tidegate's own rules and the Pod Security Standards overlap (`securityContext.privileged`
    /// and `podSecurity.privileged` both flag `privileged: true`). A standards finding at the
    /// same JSON Pointer as a Tidegate finding, proposing the same patch operations or none
    /// (`hostPID`: the standards name no remedy, Tidegate's rule does), says the same thing:
    /// it is folded into the Tidegate finding, which keeps its rule id, message and fix (the
    /// policy key people already tune, and the one `mutation.autoApply` names) and takes the
    /// stricter of the two actions. The folded findings are returned. Findings that differ in
    /// place, or propose a different remedy, all stay.
    static func foldDuplicates(_ findings: inout [Finding]) -> [Finding] {
        guard findings.contains(where: { PodSecurity.isRule($0.rule) }),
              findings.contains(where: { !PodSecurity.isRule($0.rule) })
        else { return [] }
        var duplicates: [Finding] = []
        var folded = [Bool](repeating: false, count: findings.count)
        for i in findings.indices where PodSecurity.isRule(findings[i].rule) {
            let standard = findings[i]
            guard let twin = findings.indices.first(where: {
                !PodSecurity.isRule(findings[$0].rule) && findings[$0].path == standard.path
                    && (standard.fix == nil || findings[$0].fix?.operations == standard.fix?.operations)
            }) else { continue }
            if standard.action == .deny { findings[twin].action = .deny }
            duplicates.append(standard)
            folded[i] = true
        }
        if !duplicates.isEmpty {
            findings = findings.indices.filter { !folded[$0] }.map { findings[$0] }
        }
        return duplicates
    }

    /// Applies the fixes of the selected rules, re-checking after each round, until no selected
    /// finding has a fix that changes the document. Re-checking (rather than concatenating every
    /// fix computed against the original) keeps fixes that touch the same parent from
    /// overwriting each other: two fixes that add `securityContext` to one container would each
    /// write the whole object.
    ///
    /// The result is the one-fix-at-a-time result (same operations, same order), reached in
    /// fewer rounds: a round takes the next fix and then, in finding order, every following fix
    /// that changes only its own container while no fix of the round has touched that container
    /// (`FixRound`). Such a fix is what it would have been one round later, since nothing it
    /// reads changed; the round ends at the first fix that is not of that kind. Eight containers
    /// with no securityContext: a round per rule instead of one per fix (`/mutate` with the
    /// default `autoApply`: 8 fixes in one round, 465 → 127 µs per review).
    ///
    /// `plan` (the checks resolved for `policy`) and `pod` (`object` already read) spare the
    /// webhook resolving and reading again what it has.
    public static func fix(
        _ object: JSONValue, policy: Policy, plan: CheckPlan? = nil, pod: PodUnderReview? = nil,
        scope: ContainerScope = .all, selecting select: (Finding) -> Bool = { _ in true }
    ) -> FixResult {
        let plan = plan ?? CheckPlan(policy: policy)
        func evaluate(_ document: JSONValue, read: PodUnderReview? = nil) -> PolicyEvaluation {
            guard let pod = read ?? PodUnderReview(object: document) else { return PolicyEvaluation(pod: nil, findings: []) }
            return PolicyEngine.evaluate(pod, policy: policy, plan: plan, scope: scope)
        }
        var document = object
        var operations: [PatchOperation] = []
        // Findings whose fix was applied (or failed to apply), by rule and place.
        var tried: Set<FixedFinding> = []
        var read = pod
        // Each round fixes at least one finding; the bound only guards against a check whose fix
        // does not remove its own finding.
        for _ in 0..<500 {
            let evaluation = evaluate(document, read: read)
            read = nil
            var round = FixRound(pod: evaluation.pod)
            for finding in evaluation.findings {
                guard let fix = finding.fix, !fix.operations.isEmpty, select(finding) else { continue }
                let key = FixedFinding(rule: finding.rule, path: finding.path)
                if tried.contains(key) { continue }
                guard round.admits(fix, of: finding.container) else { break }
                tried.insert(key)
            }
            if round.fixes.isEmpty {
                return FixResult(patch: JSONPatch(operations), fixed: document, remaining: evaluation.findings)
            }
            for fix in round.fixes {
                guard let patched = try? JSONPatch(fix.operations).applied(to: document) else { continue }
                document = patched
                operations.append(contentsOf: fix.operations)
            }
        }
        return FixResult(patch: JSONPatch(operations), fixed: document, remaining: evaluate(document).findings)
    }
}

/// A finding as `PolicyEngine.fix` remembers it: one rule at one place.
private struct FixedFinding: Hashable {
    let rule: String
    let path: JSONPointer
}

/// The fixes one round of `PolicyEngine.fix` applies before checking again.
struct FixRound {
    private(set) var fixes: [Fix] = []
    /// Containers a fix of the round changed. Nil once a fix that is not confined to one
    /// container joined: it may change what any other finding reads (a pod-level setting is
    /// every container's default), so it ends the round.
    private var changed: Set<ContainerRef>? = []
    private let containerPaths: [ContainerRef: JSONPointer]

    init(pod: PodUnderReview?) {
        var paths: [ContainerRef: JSONPointer] = [:]
        for container in pod?.containers ?? [] { paths[container.ref] = container.path }
        containerPaths = paths
    }

    /// Adds `fix` (of a finding about `container`) when it can go in this round: the first fix
    /// always does; a later one only when every path it writes lies inside its own container
    /// and no fix of the round changed that container.
    mutating func admits(_ fix: Fix, of container: ContainerRef?) -> Bool {
        let confined = confinement(of: fix, to: container)
        if fixes.isEmpty {
            fixes.append(fix)
            if let confined { changed = [confined] } else { changed = nil }
            return true
        }
        guard let confined, changed?.contains(confined) == false else { return false }
        fixes.append(fix)
        changed?.insert(confined)
        return true
    }

    /// `container`, when every path `fix` touches lies strictly inside it; nil otherwise.
    private func confinement(of fix: Fix, to container: ContainerRef?) -> ContainerRef? {
        guard let container, let path = containerPaths[container] else { return nil }
        let inside = fix.operations.allSatisfy { operation in
            operation.touchedPaths.allSatisfy { $0 != path && $0.hasPrefix(path) }
        }
        return inside ? container : nil
    }
}

extension PatchOperation {
    /// The paths this operation reads or changes.
    var touchedPaths: [JSONPointer] {
        switch self {
        case .add(let p, _), .remove(let p), .replace(let p, _), .test(let p, _): [p]
        case .move(let from, let to), .copy(let from, let to): [from, to]
        }
    }
}
