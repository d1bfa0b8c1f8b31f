import TidegateJSON

/// Writable root filesystem
///
/// Reads: `securityContext.readOnlyRootFilesystem` of containers, initContainers and
///        ephemeralContainers (the pod-level field does not exist and never applies).
/// Allowed: `true`. Skipped on Windows pods (no such field there).
/// Not reported: a container that leaves the field unset while the pod level says
/// `readOnlyRootFilesystem: true`, as long as `securityContext.misplacedFields` covers the pod
/// with an action at least as strong as this rule's: that finding names the cause once and its
/// fix sets the value on this container.
/// Fix: set `readOnlyRootFilesystem: true`.
enum ReadOnlyRootFilesystemCheck {
    static let registration = CheckRegistration(
        id: RuleID.readOnlyRootFilesystem,
        action: { $0.securityContext.readOnlyRootFilesystem },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        let misplacedTrue = pod.podSecurityContext?["readOnlyRootFilesystem"]?.boolValue == true
        let misplacedReported = misplacedTrue
            && MisplacedFieldsCheck.reports(context, atLeast: context.policy.securityContext.readOnlyRootFilesystem)
        return pod.visitContainers(context.scope) { container in
            guard container.settings.readOnlyRootFilesystemValue != true else { return [] }
            let setting = container.settings.readOnlyRootFilesystem
            if setting.source == .unset && misplacedReported { return [] }
            var path: JSONPointer { container.securityContextPath / "readOnlyRootFilesystem" }
            var message = setting.value == false
                ? "readOnlyRootFilesystem: false leaves the root filesystem writable"
                : "readOnlyRootFilesystem is not set to true, so the root filesystem is writable"
            if misplacedTrue && setting.source == .unset {
                message += " (the pod-level readOnlyRootFilesystem does not apply to containers)"
            }
            return [Violation(
                path: path, container: container.ref, message: message,
                fix: context.fix(Fix("set readOnlyRootFilesystem: true", FixBuilder.set(true, at: path, in: pod.object))))]
        }
    }
}
