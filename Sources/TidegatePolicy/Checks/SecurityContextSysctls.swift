import TidegateJSON

/// Pod sysctls the policy does not allow
///
/// Reads: `spec.securityContext.sysctls[*].name` (sysctls exist only at pod level).
/// Allowed: a name that matches no entry of `securityContext.forbiddenSysctls` and matches an
/// entry of `securityContext.allowedSysctls` (default `*`). Entries are exact names or
/// prefixes ending in `*`. Forbidden wins over allowed.
/// Fix: none. Dropping a kernel setting changes how the workload behaves.
enum SysctlsCheck {
    static let registration = CheckRegistration(
        id: RuleID.sysctls,
        action: { $0.securityContext.sysctls },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard context.scope == .all, let sysctls = pod.podSecurityContext?["sysctls"]?.arrayValue else { return [] }
        let rules = context.policy.securityContext
        var out: [Violation] = []
        for (index, sysctl) in sysctls.enumerated() {
            guard let name = sysctl["name"]?.stringValue else { continue }
            let why: String
            if NamePattern.matchesAny(name, rules.forbiddenSysctls) {
                why = "is forbidden (securityContext.forbiddenSysctls)"
            } else if !NamePattern.matchesAny(name, rules.allowedSysctls) {
                why = "is not in securityContext.allowedSysctls"
            } else {
                continue
            }
            out.append(Violation(
                path: pod.podSecurityContextPath / "sysctls" / index / "name", container: nil,
                message: "the pod sets sysctl \(name), which \(why)"))
        }
        return out
    }
}
