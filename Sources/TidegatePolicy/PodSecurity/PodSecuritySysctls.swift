import TidegateJSON

/// sysctls (baseline, v1.0; the safe list grows at v1.27, v1.29 and v1.32)
///
/// Reads: `spec.securityContext.sysctls[*].name` (sysctls exist only at pod level).
/// Allowed: the sysctls that are namespaced per pod and isolated from other pods on the node:
/// v1.0 kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
/// net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start; v1.27 adds
/// net.ipv4.ip_local_reserved_ports; v1.29 net.ipv4.tcp_keepalive_time, tcp_fin_timeout,
/// tcp_keepalive_intvl, tcp_keepalive_probes; v1.32 net.ipv4.tcp_rmem, tcp_wmem.
/// Fix: none. Dropping a kernel setting changes how the workload behaves.
enum PodSecuritySysctls {
    static let check = PodSecurityCheck(
        id: "sysctls", level: .baseline,
        versions: [
            (.v1_0, v1_0), (KubeVersion(minor: 27), v1_27), (KubeVersion(minor: 29), v1_29),
            (KubeVersion(minor: 32), v1_32),
        ])

    static let safe1_0: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
    ]
    static let safe1_27 = safe1_0.union(["net.ipv4.ip_local_reserved_ports"])
    static let safe1_29 = safe1_27.union([
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ])
    static let safe1_32 = safe1_29.union(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] { evaluate(context, safe: safe1_0) }
    @Sendable static func v1_27(_ context: CheckContext) -> [Violation] { evaluate(context, safe: safe1_27) }
    @Sendable static func v1_29(_ context: CheckContext) -> [Violation] { evaluate(context, safe: safe1_29) }
    @Sendable static func v1_32(_ context: CheckContext) -> [Violation] { evaluate(context, safe: safe1_32) }

    static func evaluate(_ context: CheckContext, safe: Set<String>) -> [Violation] {
        guard context.reviewsPodFields, let sysctls = context.pod.podSecurityContext?["sysctls"]?.arrayValue else { return [] }
        var out: [Violation] = []
        for (index, sysctl) in sysctls.enumerated() {
            guard let name = sysctl["name"]?.stringValue, !safe.contains(name) else { continue }
            out.append(Violation(
                path: context.pod.podSecurityContextPath / "sysctls" / index / "name", container: nil,
                message: PodSecurityText.message("forbidden sysctls", "pod must not set sysctl \(PodSecurityText.quoted(name))")))
        }
        return out
    }
}
