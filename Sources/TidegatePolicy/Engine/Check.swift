import TidegateJSON

/// A Kubernetes minor version (`v1.31`) or `latest`, for checks that change across releases.
public struct KubeVersion: Sendable, Comparable, Hashable, CustomStringConvertible {
    public let minor: Int

    public init(minor: Int) { self.minor = minor }

    public static let v1_0 = KubeVersion(minor: 0)
    /// Newer than every release a check names.
    public static let latest = KubeVersion(minor: Int.max)

    /// Parses `v1.N`, `1.N` or `latest`.
    public init?(_ text: String) {
        if text == "latest" { self = .latest; return }
        let body = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "1", let m = Int(parts[1]), m >= 0, String(m) == parts[1] else { return nil }
        self.minor = m
    }

    public var description: String { self == .latest ? "latest" : "v1.\(minor)" }
    public static func < (a: KubeVersion, b: KubeVersion) -> Bool { a.minor < b.minor }
}

/// Everything a check function may read: the pod and the policy. Pure data, no I/O.
public struct CheckContext: Sendable {
    public let pod: PodUnderReview
    public let policy: Policy
    public let scope: ContainerScope
    /// Whether the caller will show or apply fixes for this check's findings. A validating
    /// review shows fixes only in a denial, so warnings skip building them.
    public var wantsFixes: Bool = true

    public init(pod: PodUnderReview, policy: Policy, scope: ContainerScope, wantsFixes: Bool = true) {
        self.pod = pod
        self.policy = policy
        self.scope = scope
        self.wantsFixes = wantsFixes
    }

    /// `make()` when fixes are wanted, nil otherwise (built only on demand).
    public func fix(_ make: @autoclosure () -> Fix) -> Fix? {
        wantsFixes ? make() : nil
    }
}

/// Which findings need their fixes built.
public enum FixDemand: Sendable {
    /// Every finding (the CLI, the mutating endpoint).
    case all
    /// Only findings that deny once the policy's mode applies (a validating review's message).
    case denials
}

/// A registered check: its stable id, how the policy sets its action, and one pure function
/// per version in which its rule changed. A class: every review walks all registrations, and
/// copying a struct of strings, closures and arrays cost ~240 retains/releases per review.
public final class CheckRegistration: Sendable {
    public typealias Evaluate = @Sendable (CheckContext) -> [Violation]

    public let id: String
    /// The action the policy gives this rule (`.off` skips it).
    public let action: @Sendable (Policy) -> RuleAction
    /// (first version it applies to, implementation), oldest first. In a struct: a closure
    /// stored in a tuple inside an array is kept in its most general calling convention and
    /// called through a conversion thunk, per check and review; a struct field keeps the
    /// closure's own.
    private let implementations: [Implementation]
    /// A Pod Security Standards check (`podSecurity.*`): it follows the policy's pinned version.
    let isPodSecurity: Bool

    private struct Implementation: Sendable {
        let since: KubeVersion
        let evaluate: Evaluate
    }

    public convenience init(id: String, action: @escaping @Sendable (Policy) -> RuleAction, versions: [(since: KubeVersion, evaluate: Evaluate)]) {
        self.init(id: id, action: action, implementations: versions.map { Implementation(since: $0.since, evaluate: $0.evaluate) })
    }

    /// A check whose rule has one version.
    public convenience init(id: String, action: @escaping @Sendable (Policy) -> RuleAction, evaluate: @escaping Evaluate) {
        self.init(id: id, action: action, implementations: [Implementation(since: .v1_0, evaluate: evaluate)])
    }

    private init(id: String, action: @escaping @Sendable (Policy) -> RuleAction, implementations: [Implementation]) {
        self.id = id
        self.action = action
        self.implementations = implementations
        self.isPodSecurity = PodSecurity.isRule(id)
    }

    /// The implementation in force at `version`, if the check exists there.
    public func implementation(at version: KubeVersion) -> Evaluate? {
        implementations.last { $0.since <= version }?.evaluate
    }
}

/// The checks a policy turns on, each with its action and the implementation for the version
/// it follows, resolved once. Rules set to `off` and checks that do not exist at the pinned
/// version are left out, so a review walks only what can report.
public struct CheckPlan: Sendable {
    final class Step: Sendable {
        let id: String
        let action: RuleAction
        let evaluate: CheckRegistration.Evaluate
        /// The policy's mode makes this rule deny (so its findings need fixes in a denial).
        let denies: Bool

        init(id: String, action: RuleAction, evaluate: @escaping CheckRegistration.Evaluate, denies: Bool) {
            self.id = id
            self.action = action
            self.evaluate = evaluate
            self.denies = denies
        }
    }

    let steps: [Step]

    public init(policy: Policy, checks: [CheckRegistration] = Checks.all) {
        // The Pod Security Standards follow the version the policy pins them to; Tidegate's own
        // rules follow the newest.
        let podSecurityVersion = policy.podSecurity?.version ?? .latest
        steps = checks.compactMap { check in
            let action = check.action(policy)
            guard action != .off,
                  let evaluate = check.implementation(at: check.isPodSecurity ? podSecurityVersion : .latest)
            else { return nil }
            return Step(id: check.id, action: action, evaluate: evaluate, denies: policy.effectiveAction(action) == .deny)
        }
    }
}
