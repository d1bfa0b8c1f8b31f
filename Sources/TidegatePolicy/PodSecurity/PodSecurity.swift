import TidegateJSON

/// One Pod Security Standards check as Kubernetes pod-security-admission defines it: its id,
/// its level, and one pure function per version in which its rule changed.
struct PodSecurityCheck: Sendable {
    /// The pod-security-admission check id (`capabilities_baseline`).
    let id: String
    let level: PodSecurityLevel
    /// The baseline check this restricted check replaces from its first version on: a stricter
    /// rule for the same fields, so running both would report one problem twice.
    let overrides: String?
    /// (first version it applies to, implementation), oldest first.
    let versions: [(since: KubeVersion, evaluate: CheckRegistration.Evaluate)]

    init(
        id: String, level: PodSecurityLevel, overrides: String? = nil,
        versions: [(since: KubeVersion, evaluate: CheckRegistration.Evaluate)]
    ) {
        self.id = id
        self.level = level
        self.overrides = overrides
        self.versions = versions
    }

    var rule: String { PodSecurity.rulePrefix + id }
    var introduced: KubeVersion { versions[0].since }
}

/// The Pod Security Standards as Tidegate rules: `podSecurity.<check id>`, denying when the
/// policy's `podSecurity.level` includes the check at the policy's `podSecurity.version`.
public enum PodSecurity {
    public static let rulePrefix = "podSecurity."

    /// Compared as bytes: this runs for every check of every review.
    static func isRule(_ id: String) -> Bool { id.utf8.starts(with: rulePrefix.utf8) }

    /// Every check: baseline, then restricted.
    static let checks: [PodSecurityCheck] = [
        PodSecurityHostNamespaces.check,
        PodSecurityPrivileged.check,
        PodSecurityCapabilitiesBaseline.check,
        PodSecurityHostPathVolumes.check,
        PodSecurityHostPorts.check,
        PodSecurityAppArmorProfile.check,
        PodSecuritySELinuxOptions.check,
        PodSecurityProcMount.baseline,
        PodSecuritySeccompProfileBaseline.check,
        PodSecuritySysctls.check,
        PodSecurityWindowsHostProcess.check,
        PodSecurityHostProbesAndHostLifecycle.check,

        PodSecurityRestrictedVolumes.check,
        PodSecurityAllowPrivilegeEscalation.check,
        PodSecurityRunAsNonRoot.check,
        PodSecurityRunAsUser.check,
        PodSecuritySeccompProfileRestricted.check,
        PodSecurityCapabilitiesRestricted.check,
        PodSecurityProcMount.restricted,
    ]

    /// The rule ids of every check, in report order.
    public static var ruleIDs: [String] { checks.map(\.rule) }

    static let registrations: [CheckRegistration] = checks.map { check in
        let overriddenFrom = checks.first { $0.overrides == check.id }?.introduced
        return CheckRegistration(
            id: check.rule,
            action: { policy in
                guard let settings = policy.podSecurity,
                      applies(check, overriddenFrom: overriddenFrom, level: settings.level, version: settings.version)
                else { return .off }
                return .deny
            },
            versions: check.versions)
    }

    /// Whether `check` is part of `level` at `version`: it belongs to that level or a looser
    /// one, exists at that version, and (at restricted) no stricter variant replaces it there.
    static func applies(
        _ check: PodSecurityCheck, overriddenFrom: KubeVersion?, level: PodSecurityLevel, version: KubeVersion
    ) -> Bool {
        guard check.level <= level, check.introduced <= version else { return false }
        if level == .restricted, let from = overriddenFrom, from <= version { return false }
        return true
    }
}

extension CheckContext {
    /// Pod-level fields (host namespaces, volumes, pod securityContext, annotations) are under
    /// review. An ephemeral-container update cannot change them, so reporting them there would
    /// block a debugging session over a pod that was already admitted.
    var reviewsPodFields: Bool { scope == .all }
}

extension PodUnderReview {
    /// `hostUsers: false`: the pod has its own user namespace, where its root and its /proc
    /// are not the host's.
    var usesUserNamespace: Bool { spec["hostUsers"]?.boolValue == false }
}

extension JSONValue {
    /// The value unless it is JSON null: Kubernetes treats an explicit null as unset.
    var present: JSONValue? { isNull ? nil : self }
}
