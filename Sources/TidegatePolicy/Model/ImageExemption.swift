import TidegateJSON

/// `images.exemptImages`: containers the policy does not judge at all.
///
/// Entries compare with the image exactly as written in the manifest, not normalised: an
/// exemption names the spelling its author saw, and widening it by normalisation (`nginx`
/// also exempting `docker.io/library/nginx:latest`) would exempt more than was written. An
/// entry ending in `*` is a prefix (`safeimages.com/*`); `*` alone exempts every image.
public enum ImageExemption {
    public static func isExempt(_ image: String?, policy: Policy) -> Bool {
        guard let image, !policy.images.exemptImages.isEmpty else { return false }
        return NamePattern.matchesAny(image, policy.images.exemptImages)
    }
}

extension PodUnderReview {
    /// The refs of containers whose image `images.exemptImages` exempts.
    func exemptContainers(_ policy: Policy) -> Set<ContainerRef> {
        guard !policy.images.exemptImages.isEmpty else { return [] }
        return Set(containers.filter { ImageExemption.isExempt($0.body["image"]?.stringValue, policy: policy) }.map(\.ref))
    }
}
