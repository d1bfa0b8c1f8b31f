import TidegateJSON

/// allowPrivilegeEscalation (restricted, v1.8; v1.25 exempts Windows pods)
///
/// Reads: `securityContext.allowPrivilegeEscalation` of every container, initContainer and
/// ephemeralContainer; `spec.os.name`.
/// Allowed: `false`, set explicitly (unset allows escalation on Linux). From v1.25 a pod with
/// `spec.os.name: windows` passes: the field does not exist there.
/// Fix: set `allowPrivilegeEscalation: false` (the same patch as
/// `securityContext.allowPrivilegeEscalation`, so the two findings fold into one).
enum PodSecurityAllowPrivilegeEscalation {
    static let check = PodSecurityCheck(
        id: "allowPrivilegeEscalation", level: .restricted,
        versions: [(KubeVersion(minor: 8), v1_8), (KubeVersion(minor: 25), v1_25)])

    @Sendable static func v1_8(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            guard pod.containers[i].securityContext?["allowPrivilegeEscalation"]?.boolValue != false else { return }
            let container = pod.containers[i]
            let path = container.securityContextPath / "allowPrivilegeEscalation"
            out.append(Violation(
                path: path, container: container.ref,
                message: PodSecurityText.message(
                    "allowPrivilegeEscalation != false", "must set securityContext.allowPrivilegeEscalation=false"),
                fix: context.fix(Fix("set allowPrivilegeEscalation: false", FixBuilder.set(false, at: path, in: pod.object)))))
        }
    }

    @Sendable static func v1_25(_ context: CheckContext) -> [Violation] {
        context.pod.isWindows ? [] : v1_8(context)
    }
}
