import TidegateJSON

/// runAsNonRoot (restricted, v1.0; v1.35 exempts user-namespace pods)
///
/// Reads: `spec.securityContext.runAsNonRoot` and the same field of every container,
/// initContainer and ephemeralContainer; `spec.hostUsers`.
/// Allowed: `true` at pod level or on every container, and never `false` anywhere (a container
/// may leave it unset when the pod sets true). From v1.35 a pod with `hostUsers: false`
/// passes: its root is an unprivileged user on the host.
/// Fix: set `runAsNonRoot: true` where it is false; where it is missing, at pod level (one
/// patch covers every container), or on the container when only ephemeral containers are
/// under review.
enum PodSecurityRunAsNonRoot {
    static let check = PodSecurityCheck(
        id: "runAsNonRoot", level: .restricted, versions: [(.v1_0, v1_0), (KubeVersion(minor: 35), v1_35)])

    static let reason = "runAsNonRoot != true"

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        let podValue = pod.podSecurityContext?["runAsNonRoot"]?.boolValue
        var out: [Violation] = []
        // A pod-level false is one problem with one fix; the containers that inherit it are not
        // reported again.
        let podReported = context.reviewsPodFields && podValue == false
        if podReported {
            let path = pod.podSecurityContextPath / "runAsNonRoot"
            out.append(Violation(
                path: path, container: nil,
                message: PodSecurityText.message(reason, "pod must not set securityContext.runAsNonRoot=false"),
                fix: context.fix(Fix("set runAsNonRoot: true", FixBuilder.set(true, at: path, in: pod.object)))))
        }
        out += pod.eachContainer(context.scope) { i, out in
            switch pod.containers[i].securityContext?["runAsNonRoot"]?.boolValue {
            case true?:
                return
            case false?:
                let container = pod.containers[i]
                let path = container.securityContextPath / "runAsNonRoot"
                out.append(Violation(
                    path: path, container: container.ref,
                    message: PodSecurityText.message(reason, "must not set securityContext.runAsNonRoot=false"),
                    fix: context.fix(Fix("set runAsNonRoot: true", FixBuilder.set(true, at: path, in: pod.object)))))
            case nil:
                guard podValue != true, !podReported else { return }
                let container = pod.containers[i]
                let path = container.securityContextPath / "runAsNonRoot"
                let target = context.reviewsPodFields ? pod.podSecurityContextPath / "runAsNonRoot" : path
                out.append(Violation(
                    path: path, container: container.ref,
                    message: PodSecurityText.message(reason, "pod or container must set securityContext.runAsNonRoot=true"),
                    fix: context.fix(Fix(
                        context.reviewsPodFields ? "set runAsNonRoot: true in the pod securityContext" : "set runAsNonRoot: true",
                        FixBuilder.set(true, at: target, in: pod.object)))))
            }
        }
        return out
    }

    @Sendable static func v1_35(_ context: CheckContext) -> [Violation] {
        context.pod.usesUserNamespace ? [] : v1_0(context)
    }
}
