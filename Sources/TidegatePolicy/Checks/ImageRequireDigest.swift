import TidegateJSON

/// Images not pinned by digest
///
/// Reads: `image` of every container (containers, initContainers, ephemeralContainers).
/// Allowed: a reference with a digest (`name@sha256:…`, with or without a tag).
/// Fix: none (the digest must come from the registry, not from the manifest).
enum ImageRequireDigestCheck {
    static let registration = CheckRegistration(
        id: RuleID.requireDigest,
        action: { $0.images.requireDigest },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard let image = ContainerImage.valid(container), !image.hasDigest else { return [] }
            return [Violation(
                path: ContainerImage.path(of: container), container: container.ref,
                message: "image \(ContainerImage.quoted(image)) is not pinned by digest; append @sha256:<digest> of the image you tested")]
        }
    }
}
