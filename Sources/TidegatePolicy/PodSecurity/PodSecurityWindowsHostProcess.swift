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
        return pod.eachSecurityContext(context) { owner, out in
            guard pod.securityContext(of: owner)?["windowsOptions"]?["hostProcess"]?.boolValue == true else { return }
            let container = pod.ref(of: owner)
            out.append(Violation(
                path: pod.securityContextPath(of: owner) / "windowsOptions" / "hostProcess", container: container,
                message: PodSecurityText.message(
                    "hostProcess",
                    "\(PodSecurityText.subject(container))must not set securityContext.windowsOptions.hostProcess=true")))
        }
    }
}
