/// The three Pod Security Standards levels, each allowing less than the one before.
public enum PodSecurityLevel: String, Sendable, Equatable, Hashable, Comparable, CaseIterable {
    /// Unrestricted: no check applies.
    case privileged
    /// Blocks known privilege escalations while admitting common pods.
    case baseline
    /// Current pod-hardening practice, at some cost to compatibility.
    case restricted

    public static func < (a: PodSecurityLevel, b: PodSecurityLevel) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .privileged: 0
        case .baseline: 1
        case .restricted: 2
        }
    }

    /// The next stricter level, nil for restricted.
    public var next: PodSecurityLevel? {
        switch self {
        case .privileged: .baseline
        case .baseline: .restricted
        case .restricted: nil
        }
    }
}

/// The Pod Security Standards a policy enforces (`podSecurity` in the policy file).
///
/// `version` pins the standards as a Kubernetes release defined them (`v1.29`), so that a
/// cluster upgrade does not silently tighten what is admitted; `latest` follows the newest.
public struct PodSecuritySettings: Sendable, Equatable {
    public var level: PodSecurityLevel
    public var version: KubeVersion

    public init(level: PodSecurityLevel, version: KubeVersion = .latest) {
        self.level = level
        self.version = version
    }
}
