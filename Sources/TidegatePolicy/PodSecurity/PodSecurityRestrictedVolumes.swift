import TidegateJSON

/// restrictedVolumes (restricted, v1.0; replaces hostPathVolumes at restricted)
///
/// Reads: the source of every `spec.volumes[*]` (each member other than `name`).
/// Allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim,
/// projected, secret. A volume with no source is defaulted to emptyDir by the API server.
/// (pod-security-admission added `image` to its v1.0 rule rather than as a new version, so
/// it is allowed at every version.)
/// Fix: none. Moving data to another volume type is not an edit of this object.
enum PodSecurityRestrictedVolumes {
    static let check = PodSecurityCheck(
        id: "restrictedVolumes", level: .restricted, overrides: "hostPathVolumes", versions: [(.v1_0, v1_0)])

    static let allowed = [
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
        "projected", "secret",
    ]

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        guard context.reviewsPodFields, let volumes = context.pod.spec["volumes"]?.arrayValue else { return [] }
        var out: [Violation] = []
        for (index, volume) in volumes.enumerated() {
            guard let members = volume.objectValue else { continue }
            for (key, value) in members where !key.isOne(of: allowed) && key != "name" && !value.isNull {
                let name = volume["name"]?.stringValue ?? "#\(index)"
                out.append(Violation(
                    path: context.pod.specPath / "volumes" / index / key, container: nil,
                    message: PodSecurityText.message(
                        "restricted volume types",
                        "volume \(PodSecurityText.quoted(name)) uses restricted volume type \(PodSecurityText.quoted(key))")))
            }
        }
        return out
    }
}
