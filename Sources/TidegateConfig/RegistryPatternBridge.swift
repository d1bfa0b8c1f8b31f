import TidegatePolicy

/// The one place the policy loader turns text into a trusted-registry pattern.
func parseRegistryPattern(_ text: String) throws -> RegistryPattern {
    try RegistryPattern(text)
}

// TEMPORARY: delete this extension when the normalising `RegistryPattern.init(_:) throws`
// lands in TidegatePolicy. It stands in with a minimal check so the loader and its tests run;
// the placeholder type has no public initialiser, hence the layout-based construction.
extension RegistryPattern {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(_ text: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-_/:*")
        guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }), !text.hasPrefix("/"), !text.hasSuffix("/"),
            !text.contains("//")
        else {
            throw Invalid(description: "\"\(text)\" is not a registry or repository prefix")
        }
        self = unsafeBitCast(text, to: RegistryPattern.self)
    }
}
