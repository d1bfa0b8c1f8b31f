import TidegateJSON

/// Images from registries the policy does not trust
///
/// Reads: `image` of every container (containers, initContainers, ephemeralContainers).
/// Allowed: an image whose normalised reference matches an entry of
/// `images.trustedRegistries` on whole host and path-segment boundaries (see
/// `RegistryPattern`). An empty list trusts nothing. Invalid images are left to
/// `images.invalidReference`.
/// Fix: none (moving an image to another registry is a decision, not a rewrite).
enum ImageUntrustedRegistryCheck {
    static let registration = CheckRegistration(
        id: RuleID.untrustedRegistry,
        action: { $0.images.untrustedRegistry },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let trusted = context.policy.images.trustedRegistries
        return context.pod.visitContainers(context.scope) { container in
            guard let image = ContainerImage.valid(container) else { return [] }
            if RegistryPattern.anyMatches(trusted, image) { return [] }
            // Name the normalised reference only when it differs from what was written: that is
            // the one a reader must compare with the trusted list.
            let suffix = context.policy.images.untrustedSuffix
            let message = image.isWrittenNormalized
                ? quotedExcerpt(image.familiar, before: "image ", after: suffix)
                : concatenated("image ", ContainerImage.quoted(image), " (", quotedExcerpt(image.normalized), ")", suffix)
            return [Violation(
                path: ContainerImage.path(of: container), container: container.ref,
                message: message)]
        }
    }
}
