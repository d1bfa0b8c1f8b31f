import TidegateJSON

/// Host ports outside the allowed ranges
///
/// Reads: `ports[*].hostPort` of every container, initContainer and ephemeralContainer.
/// Allowed: unset, `0` (no host port), or a port inside a range of
/// `securityContext.allowedHostPorts` (`80-9000`, `1024-`, `-9000`, `8080`); an empty list
/// allows no host port.
/// Fix: none. Clients that reach the node's port need another port or a Service.
enum HostPortsCheck {
    static let registration = CheckRegistration(
        id: RuleID.hostPorts,
        action: { $0.securityContext.hostPorts },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let allowed = context.policy.securityContext.allowedHostPorts
        let ranges = context.policy.securityContext.hostPortRanges
        var allowedText: String { allowed.isEmpty ? "none allowed" : "allowed: " + allowed.joined(separator: ", ") }
        return context.pod.visitContainers(context.scope) { container in
            guard let ports = container.body["ports"]?.arrayValue else { return [] }
            return ports.enumerated().compactMap { index, port in
                guard let hostPort = port["hostPort"]?.integerValue, hostPort != 0,
                      !ranges.contains(where: { $0.contains(Int(hostPort)) }) else { return nil }
                return Violation(
                    path: container.path / "ports" / index / "hostPort", container: container.ref,
                    message: "uses host port \(hostPort) (\(allowedText))")
            }
        }
    }
}
