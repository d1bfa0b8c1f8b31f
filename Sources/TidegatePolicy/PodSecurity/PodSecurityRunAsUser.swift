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
        var out: [Violation] = []
        if context.reviewsPodFields, let v = root(pod.podSecurityContext, at: pod.podSecurityContextPath, container: nil) {
            out.append(v)
        }
        out += pod.visitContainers(context.scope) { container in
            root(container.securityContext, at: container.securityContextPath, container: container.ref).map { [$0] } ?? []
        }
        return out
    }

    @Sendable static func v1_35(_ context: CheckContext) -> [Violation] {
        context.pod.usesUserNamespace ? [] : v1_23(context)
    }

    static func root(_ securityContext: JSONObject?, at securityContextPath: JSONPointer, container: ContainerRef?) -> Violation? {
        guard securityContext?["runAsUser"]?.integerValue == 0 else { return nil }
        return Violation(
            path: securityContextPath / "runAsUser", container: container,
            message: PodSecurityText.message("runAsUser=0", "\(PodSecurityText.subject(container))must not set runAsUser=0"))
    }
}
