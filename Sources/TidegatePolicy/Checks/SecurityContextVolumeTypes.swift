import TidegateJSON

/// Volume types the policy does not allow
///
/// Reads: `spec.volumes[*]`; a volume's type is each of its fields other than `name`
/// (`hostPath`, `configMap`, ...).
/// Allowed: types listed in `securityContext.allowedVolumeTypes`; `*` allows every type.
/// Fix: none. Another volume type is another storage decision.
enum VolumeTypesCheck {
    static let registration = CheckRegistration(
        id: RuleID.volumeTypes,
        action: { $0.securityContext.volumeTypes },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        let allowed = context.policy.securityContext.allowedVolumeTypes
        guard context.scope == .all, !allowed.contains("*"), let volumes = pod.spec["volumes"]?.arrayValue else { return [] }
        var allowedText: String { allowed.isEmpty ? "none allowed" : "allowed: " + allowed.joined(separator: ", ") }
        var out: [Violation] = []
        for (index, volume) in volumes.enumerated() {
            guard let fields = volume.objectValue else { continue }
            let name = volume["name"]?.stringValue ?? "#\(index)"
            for type in fields.keys where type != "name" && !allowed.contains(type) {
                out.append(Violation(
                    path: pod.specPath / "volumes" / index / type, container: nil,
                    message: "volume \"\(name)\" is of type \(type) (\(allowedText))"))
            }
        }
        return out
    }
}
