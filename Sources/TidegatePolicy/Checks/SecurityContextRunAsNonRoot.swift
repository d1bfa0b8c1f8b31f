import TidegateJSON

/// Containers that may run as root
///
/// Reads: `runAsUser` and `runAsNonRoot` in each container's `securityContext` and in the pod's
///        `spec.securityContext` (containers, initContainers, ephemeralContainers); a container
///        value overrides the pod value.
/// Allowed: an effective non-zero `runAsUser`, or an effective `runAsNonRoot: true` without
///          `runAsUser: 0`. On Windows pods only `runAsNonRoot` counts (`runAsUser` does not
///          exist there). `hostUsers: false` does not exempt a pod here: this rule asks for a
///          non-root user inside the container; the Pod Security rules (`podSecurity`, v1.35 on)
///          give the relaxed reading that a user namespace's root is enough.
/// Fix: set the container's `runAsNonRoot: true`, so the kubelet refuses to start it as root.
/// When the cause is `runAsUser: 0`, the fix also removes that `0` (keeping it next to
/// `runAsNonRoot: true` would leave a container that never starts). A uid is never invented:
/// after the fix the pod's uid or the image's USER decides, and the kubelet verifies it. A
/// `runAsUser: 0` inherited from the pod is removed from the pod, which only affects the
/// containers that inherit it, all of which run as root; on an ephemeral-containers update the
/// pod cannot change, so that case has no fix.
enum RunAsNonRootCheck {
    static let registration = CheckRegistration(
        id: RuleID.runAsNonRoot,
        action: { $0.securityContext.runAsNonRoot },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.visitContainers(context.scope) { container in
            let read = container.settings
            guard read.mayRunAsRoot else { return [] }
            let runAsUser = read.runAsUser, runAsNonRoot = read.runAsNonRoot
            var nonRootPath: JSONPointer { container.securityContextPath / "runAsNonRoot" }
            let setNonRoot = FixBuilder.set(true, at: nonRootPath, in: pod.object)

            if !read.isWindows, runAsUser.value == 0, let userPath = runAsUser.path {
                let placement: String
                if runAsUser.source == .pod {
                    placement = " inherited from the pod"
                } else if let podUID = pod.podSecurityContext?["runAsUser"]?.integerValue, podUID != 0 {
                    placement = " on the container (overriding the pod's runAsUser: \(podUID))"
                } else {
                    placement = " on the container"
                }
                let contradicted = runAsNonRoot.value == true
                let message = contradicted
                    ? "never starts: runAsUser: 0\(placement) contradicts runAsNonRoot: true "
                        + (runAsNonRoot.source == .pod ? "on the pod" : "on the container")
                        + " (the kubelet refuses to run it as root)"
                    : "runs as root: runAsUser: 0\(placement)"
                // Removing a pod-level value is impossible on an ephemeral-containers update.
                let canFix = runAsUser.source == .container || context.scope == .all
                let operations = [PatchOperation.remove(userPath)] + (contradicted ? [] : setNonRoot)
                let summary = contradicted ? "remove runAsUser: 0" : "remove runAsUser: 0 and set runAsNonRoot: true"
                return [Violation(
                    path: userPath, container: container.ref, message: message,
                    fix: canFix ? Fix(summary, operations) : nil)]
            }

            let message: String
            switch (runAsNonRoot.source, runAsNonRoot.value) {
            case (.container, false?):
                message = pod.podSecurityContext?["runAsNonRoot"]?.boolValue == true
                    ? "may run as root: runAsNonRoot: false on the container overrides the pod's runAsNonRoot: true"
                    : "may run as root: runAsNonRoot: false and no non-zero runAsUser"
            case (.pod, false?):
                message = "may run as root: the pod sets runAsNonRoot: false and no non-zero runAsUser is set"
            default:
                message = read.isWindows
                    ? "may run as ContainerAdministrator: runAsNonRoot is not true on the container or the pod"
                    : "may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set on the container or the pod"
            }
            return [Violation(
                path: nonRootPath, container: container.ref, message: message,
                fix: context.fix(Fix("set runAsNonRoot: true", setNonRoot)))]
        }
    }
}
