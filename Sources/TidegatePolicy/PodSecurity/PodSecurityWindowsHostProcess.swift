import TidegateJSON

/// windowsHostProcess (baseline, v1.0)
///
/// Reads: `spec.securityContext.windowsOptions.hostProcess` and the same field of every
/// container, initContainer and ephemeralContainer.
/// Allowed: unset, `false`.
/// Fix: none. A HostProcess container is a node agent by design.
enum PodSecurityWindowsHostProcess {
    static let check = PodSecurityCheck(id: "windowsHostProcess", level: .baseline, versions: [(.v1_0, v1_0)])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        var out: [Violation] = []
        if context.reviewsPodFields, let v = hostProcess(pod.podSecurityContext, at: pod.podSecurityContextPath, container: nil) {
            out.append(v)
        }
        out += pod.visitContainers(context.scope) { container in
            hostProcess(container.securityContext, at: container.securityContextPath, container: container.ref).map { [$0] } ?? []
        }
        return out
    }

    static func hostProcess(_ securityContext: JSONObject?, at securityContextPath: JSONPointer, container: ContainerRef?) -> Violation? {
        guard securityContext?["windowsOptions"]?["hostProcess"]?.boolValue == true else { return nil }
        return Violation(
            path: securityContextPath / "windowsOptions" / "hostProcess", container: container,
            message: PodSecurityText.message(
                "hostProcess",
                "\(PodSecurityText.subject(container))must not set securityContext.windowsOptions.hostProcess=true"))
    }
}
