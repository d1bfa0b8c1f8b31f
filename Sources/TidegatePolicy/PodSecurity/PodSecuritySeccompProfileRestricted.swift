import TidegateJSON

/// seccompProfile_restricted (restricted, v1.19; v1.25 exempts Windows pods; replaces
/// seccompProfile_baseline at restricted)
///
/// Reads: `spec.securityContext.seccompProfile.type` and the same field of every container,
/// initContainer and ephemeralContainer; `spec.os.name`.
/// Allowed: `RuntimeDefault` or `Localhost`, at pod level or on every container (a container
/// may leave it unset when the pod sets an allowed type). From v1.25 a pod with
/// `spec.os.name: windows` passes: seccomp is Linux-only.
/// Fix: `type: RuntimeDefault` where a forbidden type is set; where it is missing, at pod
/// level (one patch covers every container), or on the container when only ephemeral
/// containers are under review.
enum PodSecuritySeccompProfileRestricted {
    static let check = PodSecurityCheck(
        id: "seccompProfile_restricted", level: .restricted, overrides: "seccompProfile_baseline",
        versions: [(KubeVersion(minor: 19), v1_19), (KubeVersion(minor: 25), v1_25)])

    typealias Baseline = PodSecuritySeccompProfileBaseline

    @Sendable static func v1_19(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        let podProfile = pod.podSecurityContext?["seccompProfile"]?.present
        let podAllowed = podProfile.map { PodSecurityText.confinedProfileType($0["type"]?.stringValue) } ?? false
        var out: [Violation] = []
        // A forbidden pod-level type is one problem with one fix; the containers that inherit
        // it are not reported again.
        var podReported = false
        if context.reviewsPodFields, let v = Baseline.explicitlyForbidden(.pod, pod) {
            out.append(v)
            podReported = true
        }
        out += pod.eachContainer(context.scope) { i, out in
            if pod.containers[i].securityContext?["seccompProfile"]?.present != nil {
                if let v = Baseline.explicitlyForbidden(.container(i), pod) { out.append(v) }
                return
            }
            guard !podAllowed, !podReported else { return }
            let container = pod.containers[i]
            let path = container.securityContextPath / "seccompProfile"
            let target = context.reviewsPodFields ? pod.podSecurityContextPath / "seccompProfile" : path
            out.append(Violation(
                path: path, container: container.ref,
                message: PodSecurityText.message(
                    "seccompProfile",
                    "pod or container must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""),
                fix: context.fix(Fix(
                    context.reviewsPodFields
                        ? "set seccompProfile.type: RuntimeDefault in the pod securityContext" : "set seccompProfile.type: RuntimeDefault",
                    FixBuilder.set(PodSecurityFix.runtimeDefault, at: target, in: pod.object)))))
        }
        return out
    }

    @Sendable static func v1_25(_ context: CheckContext) -> [Violation] {
        context.pod.isWindows ? [] : v1_19(context)
    }
}
