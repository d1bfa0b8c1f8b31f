import TidegateJSON

/// Privilege escalation not turned off
///
/// Reads: `securityContext.allowPrivilegeEscalation`, `privileged` and `capabilities.add` of
///        containers, initContainers and ephemeralContainers.
/// Allowed: `allowPrivilegeEscalation: false` on a container that is neither privileged nor adds
///          SYS_ADMIN (or ALL). Unset means escalation is allowed: Linux only sets no_new_privs
///          when the field is explicitly false. Skipped on Windows pods (no such field there).
/// Fix: set `allowPrivilegeEscalation: false`. No fix while the container is privileged or adds
/// SYS_ADMIN: escalation is implicitly allowed then, and the API rejects `false` next to
/// `privileged: true` or `CAP_SYS_ADMIN`; the privileged and capabilities fixes come first.
enum AllowPrivilegeEscalationCheck {
    static let registration = CheckRegistration(
        id: RuleID.allowPrivilegeEscalation,
        action: { $0.securityContext.allowPrivilegeEscalation },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        return pod.visitContainers(context.scope) { container in
            let read = container.settings
            let explicit = read.allowPrivilegeEscalationValue
            var path: JSONPointer { container.securityContextPath / "allowPrivilegeEscalation" }
            if let cause = read.escalationImpliedBy {
                let stated = explicit == false ? " despite allowPrivilegeEscalation: false" : ""
                return [Violation(
                    path: path, container: container.ref,
                    message: "privilege escalation is implicitly allowed\(stated): \(cause.explanation)")]
            }
            guard explicit != false else { return [] }
            let message = explicit == true
                ? "allowPrivilegeEscalation: true lets processes gain privileges (setuid binaries, file capabilities)"
                : "allowPrivilegeEscalation is not set to false; unset, processes can gain privileges (setuid binaries, file capabilities)"
            return [Violation(
                path: path, container: container.ref, message: message,
                fix: context.fix(Fix("set allowPrivilegeEscalation: false", FixBuilder.set(false, at: path, in: pod.object))))]
        }
    }
}
