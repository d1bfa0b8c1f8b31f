import TidegateJSON

/// procMount (baseline, v1.0; v1.35 relaxes it for user-namespace pods) and
/// procMount_restricted (restricted, v1.35; replaces procMount at restricted)
///
/// Reads: `securityContext.procMount` of every container, initContainer and ephemeralContainer;
/// `spec.hostUsers`.
/// Allowed: unset, `Default`. From v1.35, baseline allows any value when `hostUsers: false`
/// (an unmasked /proc then shows the pod's own user namespace, not the host's); restricted
/// keeps the v1.0 rule.
/// Fix: set `procMount: Default`.
enum PodSecurityProcMount {
    static let baseline = PodSecurityCheck(
        id: "procMount", level: .baseline, versions: [(.v1_0, v1_0), (KubeVersion(minor: 35), v1_35)])

    static let restricted = PodSecurityCheck(
        id: "procMount_restricted", level: .restricted, overrides: "procMount",
        versions: [(KubeVersion(minor: 35), v1_0)])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            guard let procMount = pod.containers[i].securityContext?["procMount"]?.stringValue, procMount != "Default" else { return }
            let container = pod.containers[i]
            let path = container.securityContextPath / "procMount"
            out.append(Violation(
                path: path, container: container.ref,
                message: PodSecurityText.message(
                    "procMount", "must not set securityContext.procMount to \(PodSecurityText.quoted(procMount))"),
                fix: context.fix(Fix("set procMount: Default", FixBuilder.set("Default", at: path, in: pod.object)))))
        }
    }

    @Sendable static func v1_35(_ context: CheckContext) -> [Violation] {
        context.pod.usesUserNamespace ? [] : v1_0(context)
    }
}
