import TidegateJSON

/// Privileged containers
///
/// Reads: `spec.containers[*].securityContext.privileged`,
///        `spec.initContainers[*].securityContext.privileged`,
///        `spec.ephemeralContainers[*].securityContext.privileged`.
/// Allowed: unset, `false`. (The field exists only on containers; a pod-level `privileged` is
/// reported by `securityContext.misplacedFields`.)
/// Fix: set `privileged: false`.
enum PrivilegedCheck {
    static let registration = CheckRegistration(
        id: RuleID.privileged,
        action: { $0.securityContext.privileged },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard container.securityContext?["privileged"]?.boolValue == true else { return [] }
            let path = container.securityContextPath / "privileged"
            return [Violation(
                path: path, container: container.ref,
                message: "runs privileged (privileged: true gives it every capability and all host devices)",
                fix: context.fix(Fix("set privileged: false", FixBuilder.set(false, at: path, in: context.pod.object))))]
        }
    }
}
