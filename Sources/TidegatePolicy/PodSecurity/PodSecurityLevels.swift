import TidegateJSON

/// Where a pod stands against the Pod Security Standards at one version.
public struct PodSecurityReport: Sendable {
    public let version: KubeVersion
    /// The strictest level the pod meets.
    public let level: PodSecurityLevel
    /// The next stricter level; nil when the pod already meets restricted.
    public let nextLevel: PodSecurityLevel?
    /// Why the pod misses `nextLevel`: one finding per violation, each with its rule
    /// (`podSecurity.<check id>`), message and fix when there is a mechanical one.
    public let failures: [Finding]

    /// The rules that fail for `nextLevel`, each once, in check order.
    public var failingRules: [String] {
        var seen: Set<String> = []
        return failures.compactMap { seen.insert($0.rule).inserted ? $0.rule : nil }
    }
}

/// Measures pods against the Pod Security Standards without a policy (`tidegate check --level`).
public enum PodSecurityLevels {
    /// The highest level `pod` meets at `version`, and what keeps it from the next one.
    public static func evaluate(
        _ pod: PodUnderReview, version: KubeVersion = .latest, scope: ContainerScope = .all
    ) -> PodSecurityReport {
        let baseline = violations(of: pod, level: .baseline, version: version, scope: scope)
        if !baseline.isEmpty {
            return PodSecurityReport(version: version, level: .privileged, nextLevel: .baseline, failures: baseline)
        }
        let restricted = violations(of: pod, level: .restricted, version: version, scope: scope)
        if !restricted.isEmpty {
            return PodSecurityReport(version: version, level: .baseline, nextLevel: .restricted, failures: restricted)
        }
        return PodSecurityReport(version: version, level: .restricted, nextLevel: nil, failures: [])
    }

    /// The report for the pod spec in `object`; nil when its kind carries none.
    public static func evaluate(
        _ object: JSONValue, version: KubeVersion = .latest, scope: ContainerScope = .all
    ) -> PodSecurityReport? {
        PodUnderReview(object: object).map { evaluate($0, version: version, scope: scope) }
    }

    /// Every violation of `level` at `version`, as findings of the `podSecurity.*` rules.
    public static func violations(
        of pod: PodUnderReview, level: PodSecurityLevel, version: KubeVersion = .latest, scope: ContainerScope = .all
    ) -> [Finding] {
        guard level != .privileged else { return [] }
        var policy = Policy()
        policy.podSecurity = PodSecuritySettings(level: level, version: version)
        return PolicyEngine.evaluate(pod, policy: policy, scope: scope, checks: PodSecurity.registrations).findings
    }
}
