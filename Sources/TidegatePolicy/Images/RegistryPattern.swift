/// A trusted registry or repository prefix from the policy (`gcr.io`, `docker.io/library`,
/// `*.corp.example.com`, `localhost:5000/team`).
/// PLACEHOLDER shape: the image-trust work replaces this with the normalising implementation.
public struct RegistryPattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    static func builtin(_ text: String) -> RegistryPattern { RegistryPattern(text: text) }

    public var description: String { text }
}
