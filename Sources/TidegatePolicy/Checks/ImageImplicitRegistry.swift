import TidegateJSON

/// Images that name no registry
///
/// Reads: `image` of every container (containers, initContainers, ephemeralContainers).
/// Allowed: an image whose first path segment is a registry host (`localhost`, or containing
/// `.` or `:`, or an uppercase letter), e.g. `docker.io/library/nginx:1.27`. A name without
/// one silently resolves to Docker Hub, whatever registry its author had in mind.
/// Fix: replace the image with its fully qualified form, keeping the tag and digest as
/// written; an image with neither gets `:latest` made explicit (the same image is pulled).
enum ImageImplicitRegistryCheck {
    static let registration = CheckRegistration(
        id: RuleID.implicitRegistry,
        action: { $0.images.implicitRegistry },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard let image = ContainerImage.valid(container), image.registryWasImplicit else { return [] }
            let path = ContainerImage.path(of: container)
            let qualified = image.normalized
            return [Violation(
                path: path, container: container.ref,
                message: "image names no registry and resolves to Docker Hub: \(image.familiar) → \(qualified)",
                fix: context.fix(Fix("write the registry: \(qualified)",
                         ContainerImage.replace(path, with: qualified))))]
        }
    }
}
