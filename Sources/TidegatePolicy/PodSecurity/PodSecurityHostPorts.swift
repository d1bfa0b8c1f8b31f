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
        context.pod.visitContainers(context.scope) { container in
            guard let ports = container.body["ports"]?.arrayValue else { return [] }
            var out: [Violation] = []
            for (index, port) in ports.enumerated() {
                guard let hostPort = port["hostPort"]?.integerValue, hostPort != 0 else { continue }
                out.append(Violation(
                    path: container.path / "ports" / index / "hostPort", container: container.ref,
                    message: PodSecurityText.message("hostPort", "must not use hostPort \(hostPort)")))
            }
            return out
        }
    }
}
