import TidegateJSON

/// seccomp profiles outside the allowed list
///
/// Reads: `securityContext.seccompProfile` of every container and of the pod, and the
///        annotations `container.seccomp.security.alpha.kubernetes.io/<name>` and
///        `seccomp.security.alpha.kubernetes.io/pod` (container field, container annotation,
///        pod field, pod annotation: the first one set decides).
/// Allowed: a profile admitted by `securityContext.allowedSeccompProfiles` (see
///          `SecurityProfile.admits`: `runtime/default`, `unconfined`, `localhost/<file>`,
///          `localhost/*`, `RuntimeDefault`, `Localhost`, `*`). No profile at all is allowed
///          only by `*`. Skipped on Windows pods.
/// Fix: none. The right profile depends on what the program calls.
enum SeccompProfileCheck {
    static let registration = CheckRegistration(
        id: RuleID.seccompProfile,
        action: { $0.securityContext.seccompProfile },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        SecurityProfile.check(.seccomp, rule: RuleID.seccompProfile,
                              allowed: context.policy.securityContext.allowedSeccompProfiles, context)
    }
}
