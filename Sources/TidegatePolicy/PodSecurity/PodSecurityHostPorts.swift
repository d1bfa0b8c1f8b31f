import TidegateJSON

/// hostPorts (baseline, v1.0)
///
/// Reads: `ports[*].hostPort` of every container, initContainer and ephemeralContainer.
/// Allowed: unset, `0`.
/// Fix: none. Clients that reach the node's port need a Service instead, which is not an edit
/// of this object.
enum PodSecurityHostPorts {
    static let check = PodSecurityCheck(id: "hostPorts", level: .baseline, versions: [(.v1_0, v1_0)])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            guard let ports = pod.containers[i].body["ports"]?.arrayValue else { return }
            for (index, port) in ports.enumerated() {
                guard let hostPort = port["hostPort"]?.integerValue, hostPort != 0 else { continue }
                let container = pod.containers[i]
                out.append(Violation(
                    path: container.path / "ports" / index / "hostPort", container: container.ref,
                    message: PodSecurityText.message("hostPort", "must not use hostPort \(hostPort)")))
            }
        }
    }
}
