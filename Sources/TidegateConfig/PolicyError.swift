/// One problem in a policy file, positioned: `policy.yaml:7:14: images.mutableTag: unknown
/// action "block" (expected deny, warn or off)`.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// Dotted field path (`images.mutableTag`, `exemptions.namespaces[2]`); empty for the file.
    public let path: String
    public let message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// Line and column are 0 when the problem is the file itself (unreadable).
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
    }
}

/// Every problem found in a policy file, in source order; a policy with any is not loaded.
public struct PolicyErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public let errors: [PolicyError]

    public init(_ errors: [PolicyError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
