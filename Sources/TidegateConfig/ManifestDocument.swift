import TidegateJSON

/// One Kubernetes object read from a manifest, ready for the policy engine.
public struct ManifestDocument: Sendable, Equatable {
    /// `path:docIndex` (0-based document in the stream), with `/items/N` for an item of a List.
    public let source: String
    /// The object to check. For an AdmissionReview this is `request.object`.
    public let value: JSONValue
    /// The whole AdmissionReview when the document was one, for commands that answer reviews.
    public let review: JSONValue?
    /// Positions of values in the YAML source, when the document came from YAML of modest size.
    public let sourceMap: SourceMap?

    public init(source: String, value: JSONValue, review: JSONValue? = nil, sourceMap: SourceMap? = nil) {
        self.source = source
        self.value = value
        self.review = review
        self.sourceMap = sourceMap
    }

    /// Where the value at `pointer` (relative to `value`) was written, if known.
    public func position(of pointer: JSONPointer) -> SourcePosition? {
        sourceMap?.position(of: pointer)
    }
}

/// A manifest input that could not be read, or a document in it that is not an object.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file path, `-` for standard input.
    public let path: String
    /// The 0-based document index in the stream, when the problem is inside one document.
    public let document: Int?
    /// `/items/N` and the like, when the problem is inside a List.
    public let item: String?
    public let position: SourcePosition?
    public let reason: String

    public init(path: String, document: Int? = nil, item: String? = nil, position: SourcePosition? = nil, reason: String) {
        self.path = path
        self.document = document
        self.item = item
        self.position = position
        self.reason = reason
    }

    /// `path:docIndex[/items/N]`, the same naming as `ManifestDocument.source`; just the path
    /// when the whole input failed.
    public var source: String {
        guard let document else { return path }
        return "\(path):\(document)\(item ?? "")"
    }

    public var description: String {
        var text = path
        if let position { text += ":\(position.line):\(position.column)" }
        if let document { text += ": document \(document)\(item ?? "")" }
        return text + ": " + reason
    }
}
