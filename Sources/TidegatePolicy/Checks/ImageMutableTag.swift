import TidegateJSON

/// Images that can change under the same name
///
/// Reads: `image` of every container (containers, initContainers, ephemeralContainers).
/// Allowed: a digest (`@sha256:…`), or a tag other than `latest`. No tag means `:latest`.
/// Fix: none (a version cannot be invented).
enum ImageMutableTagCheck {
    static let registration = CheckRegistration(
        id: RuleID.mutableTag,
        action: { $0.images.mutableTag },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard let image = ContainerImage.valid(container), image.isMutable else { return [] }
            let what = image.hasTag ? "uses the tag :latest" : "has no tag, so it runs :latest"
            return [Violation(
                path: ContainerImage.path(of: container), container: container.ref,
                message: "image \(ContainerImage.quoted(image)) \(what), which can point to different content on every pull; pin a version tag or a digest")]
        }
    }
}
