import TidegateJSON

/// `runAsNonRoot: true` without a numeric uid
///
/// Reads: `runAsNonRoot` and `runAsUser` in each container's `securityContext` and in the pod's
///        `spec.securityContext` (container overrides pod).
/// Allowed: `runAsNonRoot` not effectively true, or an effective numeric `runAsUser`.
/// Why: the kubelet can only verify a numeric user. If the image's USER is a name (`nginx`),
/// a container with `runAsNonRoot: true` and no `runAsUser` fails at start with
/// CreateContainerConfigError. Skipped on Windows pods, where the user is checked by name and
/// `runAsUser` does not exist.
/// Fix: none; a uid cannot be invented.
enum RunAsUserUnsetCheck {
    static let registration = CheckRegistration(
        id: RuleID.runAsUserUnset,
        action: { $0.securityContext.runAsUserUnset },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        return pod.visitContainers(context.scope) { container in
            let read = container.settings
            guard read.runAsNonRootValue == true, read.runAsUserValue == nil else { return [] }
            let runAsNonRoot = read.runAsNonRoot
            let level = runAsNonRoot.source == .pod ? " (from the pod)" : ""
            return [Violation(
                path: container.securityContextPath / "runAsUser", container: container.ref,
                message: "runAsNonRoot: true\(level) without a numeric runAsUser: if the image's USER is a name, "
                    + "not a uid, the kubelet cannot verify it and the container fails to start")]
        }
    }
}
