import TidegateJSON

/// hostNamespaces (baseline, v1.0)
///
/// Reads: `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`.
/// Allowed: unset, `false`.
/// Fix: none. Leaving the host's network, process or IPC namespace changes what the pod can
/// reach, which is a design decision rather than an edit.
enum PodSecurityHostNamespaces {
    static let check = PodSecurityCheck(id: "hostNamespaces", level: .baseline, versions: [(.v1_0, v1_0)])

    static let fields = ["hostNetwork", "hostPID", "hostIPC"]

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        guard context.reviewsPodFields else { return [] }
        var out: [Violation] = []
        for field in fields where context.pod.spec[field]?.boolValue == true {
            out.append(Violation(
                path: context.pod.specPath / field, container: nil,
                message: PodSecurityText.message("host namespaces", "pod must not set \(field)=true")))
        }
        return out
    }
}
