import TidegateJSON

/// AppArmor profiles outside the allowed list
///
/// Reads: `securityContext.appArmorProfile` of every container and of the pod, and the
///        annotation `container.apparmor.security.beta.kubernetes.io/<name>` (container field,
///        container annotation, pod field: the first one set decides).
/// Allowed: a profile admitted by `securityContext.allowedAppArmorProfiles` (see
///          `SecurityProfile.admits`: `runtime/default`, `unconfined`, `localhost/<profile>`,
///          `localhost/*`, `RuntimeDefault`, `Localhost`, `*`). No profile at all is allowed
///          only by `*`. Skipped on Windows pods.
/// Fix: none. The right profile depends on what the program touches.
enum AppArmorProfileCheck {
    static let registration = CheckRegistration(
        id: RuleID.appArmorProfile,
        action: { $0.securityContext.appArmorProfile },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        SecurityProfile.check(.appArmor, rule: RuleID.appArmorProfile,
                              allowed: context.policy.securityContext.allowedAppArmorProfiles, context)
    }
}
