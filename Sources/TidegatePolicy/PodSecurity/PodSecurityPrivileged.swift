import TidegateJSON

/// privileged (baseline, v1.0)
///
/// Reads: `securityContext.privileged` of every container, initContainer and ephemeralContainer.
/// Allowed: unset, `false`.
/// Fix: set `privileged: false` (the same patch as `securityContext.privileged`, so the two
/// findings fold into one).
enum PodSecurityPrivileged {
    static let check = PodSecurityCheck(id: "privileged", level: .baseline, versions: [(.v1_0, v1_0)])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            guard pod.containers[i].securityContext?["privileged"]?.boolValue == true else { return }
            let container = pod.containers[i]
            let path = container.securityContextPath / "privileged"
            out.append(Violation(
                path: path, container: container.ref,
                message: PodSecurityText.message("privileged", "must not set securityContext.privileged=true"),
                fix: context.fix(Fix("set privileged: false", FixBuilder.set(false, at: path, in: pod.object)))))
        }
    }
}
