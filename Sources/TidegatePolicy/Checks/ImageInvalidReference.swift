import TidegateJSON

/// Image references the runtime would refuse
///
/// Reads: `image` of `spec.containers[*]`, `spec.initContainers[*]`, `spec.ephemeralContainers[*]`.
/// Allowed: a string that parses as an image reference (docker/distribution grammar, see
/// `ImageReference`); an absent or null field (pod templates may leave it for a later step).
/// Refused: any other JSON type, the empty string, any string the grammar rejects.
/// Always denies, whatever the policy says: nothing else can be judged about such an image,
/// and the kubelet would fail the container with `InvalidImageName` anyway.
/// Fix: none (the intended image cannot be guessed). The message is the parser's reason.
enum ImageInvalidReferenceCheck {
    static let registration = CheckRegistration(
        id: RuleID.invalidReference,
        action: { _ in .deny },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard case .invalid(let reason) = ContainerImage.read(container) else { return [] }
            return [Violation(path: ContainerImage.path(of: container), container: container.ref, message: reason)]
        }
    }
}
