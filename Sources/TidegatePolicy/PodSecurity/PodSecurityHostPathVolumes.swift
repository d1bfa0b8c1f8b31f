import TidegateJSON

/// hostPathVolumes (baseline, v1.0; replaced by restrictedVolumes at restricted)
///
/// Reads: `spec.volumes[*].hostPath`.
/// Allowed: unset.
/// Fix: none. What the pod reads from the host has to come from somewhere else.
enum PodSecurityHostPathVolumes {
    static let check = PodSecurityCheck(id: "hostPathVolumes", level: .baseline, versions: [(.v1_0, v1_0)])

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        guard context.reviewsPodFields, let volumes = context.pod.spec["volumes"]?.arrayValue else { return [] }
        var out: [Violation] = []
        for (index, volume) in volumes.enumerated() where volume["hostPath"]?.present != nil {
            let name = volume["name"]?.stringValue ?? "#\(index)"
            out.append(Violation(
                path: context.pod.specPath / "volumes" / index / "hostPath", container: nil,
                message: PodSecurityText.message(
                    "hostPath volumes", "volume \(PodSecurityText.quoted(name)) must not be a hostPath volume")))
        }
        return out
    }
}
