/// Why a string is not an image reference the container runtime would accept.
///
/// `reason` is a sentence for the person who wrote the manifest; it starts with the same words
/// the runtime uses ("invalid reference format", "invalid checksum digest length", ...) so it
/// can be matched against kubelet's `InvalidImageName` events.
public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case empty
        /// 64 lowercase hex characters: it could be an image id, so it is refused as a name.
        case ambiguousImageID
        case uppercaseRepository
        case invalidRegistryHost
        case invalidRepositoryPath
        case repositoryNameTooLong
        case invalidTag
        case invalidDigestFormat
        case invalidDigestLength
        case unsupportedDigestAlgorithm
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}

/// How much of a piece of user input a message quotes.
let excerptLimit = 96

/// Quotes a piece of user input for a message, cut short so that a megabyte-long field cannot
/// turn into a megabyte-long message; `before` and `after` are joined in the same allocation.
func quotedExcerpt<S: StringProtocol>(
    _ text: S, limit: Int = excerptLimit, before: String = "", after: String = ""
) -> String {
    if text.utf8.count <= limit { return concatenated(before, "\"", String(text), "\"", after) }
    var cut = ""
    for ch in text {
        if cut.utf8.count + ch.utf8.count > limit { break }
        cut.append(ch)
    }
    return "\(before)\"\(cut)…\" (\(text.utf8.count) bytes)\(after)"
}
