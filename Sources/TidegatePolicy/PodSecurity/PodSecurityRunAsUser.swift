import TidegateJSON

/// runAsUser (restricted, v1.23; v1.35 exempts user-namespace pods)
///
/// Reads: `spec.securityContext.runAsUser` and the same field of every container,
/// initContainer and ephemeralContainer; `spec.hostUsers`.
/// Allowed: unset or any non-zero user id. From v1.35 a pod with `hostUsers: false` passes.
/// Fix: none. Which user the image can run as is the image's business; runAsNonRoot (which
/// has a fix) then keeps an unset user from being root.
enum PodSecurityRunAsUser {
    static let check = PodSecurityCheck(
        id: "runAsUser", level: .restricted, versions: [(KubeVersion(minor: 23), v1_23), (KubeVersion(minor: 35), v1_35)])

    @Sendable static func v1_23(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachSecurityContext(context) { owner, out in
            guard pod.securityContext(of: owner)?["runAsUser"]?.integerValue == 0 else { return }
            let container = pod.ref(of: owner)
            out.append(Violation(
                path: pod.securityContextPath(of: owner) / "runAsUser", container: container,
                message: PodSecurityText.message("runAsUser=0", "\(PodSecurityText.subject(container))must not set runAsUser=0")))
        }
    }

    @Sendable static func v1_35(_ context: CheckContext) -> [Violation] {
        context.pod.usesUserNamespace ? [] : v1_23(context)
    }
}
