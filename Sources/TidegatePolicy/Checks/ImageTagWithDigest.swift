import TidegateJSON

/// Images with both a tag and a digest
///
/// Reads: `image` of every container (containers, initContainers, ephemeralContainers).
/// Allowed: a tag or a digest, not both. With both, the runtime pulls the digest and ignores
/// the tag, so the tag tells readers a version that may not be the one running.
/// Fix: replace the image with the same reference without the tag (registry kept as written).
enum ImageTagWithDigestCheck {
    static let registration = CheckRegistration(
        id: RuleID.tagWithDigest,
        action: { $0.images.tagWithDigest },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard let image = ContainerImage.valid(container), image.hasDigest, let tag = image.tag
            else { return [] }
            let path = ContainerImage.path(of: container)
            let pinned = image.withoutTag
            return [Violation(
                path: path, container: container.ref,
                message: "image \(ContainerImage.quoted(image)) has both the tag :\(tag) and a digest; the runtime pulls the digest and ignores the tag",
                fix: context.fix(Fix("drop the ignored tag: \(pinned)",
                         ContainerImage.replace(path, with: pinned))))]
        }
    }
}
