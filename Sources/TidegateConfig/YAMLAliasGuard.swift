/// Refuses two uses of YAML aliases before Yams sees the text, because both make Yams recurse
/// without bound on a tree that aliases built deeper than the text shows (each link of a chain
/// `&a2 [*a1]`, `&a3 [*a2]`, ... adds up to libyaml's 1000 levels to the tree):
///
/// - Too many anchors in one document. Releasing a deep alias-built tree recurses once per
///   level; a 100,000-link chain overflowed an 8 MB stack. At most `maxAnchorsPerDocument`
///   anchors bound any tree to (anchors + 1) × 1000 levels, well inside a default stack.
/// - An alias as (or inside) a mapping key. Yams checks every mapping for duplicate keys by hashing the key nodes, and a hash
/// recurses through the whole key. A chain of anchors (`&a2 [*a1]`, `&a3 [*a2]`, ...) builds a
/// tree as deep as the chain is long from a flat text, so one alias key can demand a recursion
/// as deep as the file is long and overflow the stack. Kubernetes objects never need such
/// keys. The scan is deliberately over-inclusive and cheap (one pass over the bytes): it only
/// refuses a stream that has an alias somewhere *and* a key that could hold one (an alias
/// before `:`, an explicit `? ` key, or a flow collection before `:`).
enum YAMLAliasGuard {
    static let maxAnchorsPerDocument = 16

    static func check(_ bytes: String.UTF8View) -> YAMLSyntaxError? {
        var anchors = 0
        var anchorStart: SourcePosition?
        var lineStart = true
        var sawAlias = false
        var suspect: SourcePosition?
        var line = 1
        var column = 0
        var previous: UInt8 = UInt8(ascii: "\n")
        // An alias ended or a flow collection closed on this line: a following `:` makes it a key.
        var keyCandidate: SourcePosition?
        var inAliasName = false
        var aliasStart: SourcePosition?
        var index = bytes.startIndex
        for byte in bytes {
            defer { index = bytes.index(after: index) }
            if byte & 0xC0 != 0x80 { column += 1 }
            let atTokenStart = isTokenBoundary(previous)
            if inAliasName, !isAnchorChar(byte) {
                inAliasName = false
                keyCandidate = aliasStart
            }
            // Anchors belong to one document: `---` or `...` at the start of a line ends it
            // (such a line cannot be content, not even inside a block or quoted scalar).
            if lineStart, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."), startsDocumentMarker(bytes, at: index) {
                anchors = 0
            }
            lineStart = byte == UInt8(ascii: "\n")
            // `&name` at a token start; a shell's `cmd &` or `&&` in a scalar has no name.
            if let start = anchorStart, isAnchorChar(byte) {
                anchors += 1
                if anchors > maxAnchorsPerDocument {
                    return YAMLSyntaxError(
                        reason: "more than \(maxAnchorsPerDocument) anchors in one document are not supported",
                        position: start)
                }
            }
            anchorStart = byte == UInt8(ascii: "&") && atTokenStart ? SourcePosition(line: line, column: column) : nil
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                column = 0
                keyCandidate = nil
            case UInt8(ascii: "*") where atTokenStart:
                inAliasName = true
                aliasStart = SourcePosition(line: line, column: column)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                keyCandidate = SourcePosition(line: line, column: column)
            case UInt8(ascii: ":"):
                if let candidate = keyCandidate, suspect == nil { suspect = candidate }
                keyCandidate = nil
            case UInt8(ascii: "?") where atTokenStart:
                keyCandidate = nil
                if suspect == nil { suspect = SourcePosition(line: line, column: column) }
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                break
            default:
                if !inAliasName { keyCandidate = nil }
            }
            if inAliasName, byte != UInt8(ascii: "*"), isAnchorChar(byte) { sawAlias = true }
            previous = byte
        }
        guard sawAlias, let suspect else { return nil }
        return YAMLSyntaxError(
            reason: "an alias used in a mapping key is not supported (a key here could hold one)",
            position: suspect)
    }

    /// A `?` must also be followed by white space to be a key indicator; treating every
    /// token-start `?` as one only widens the refusal, which needs an alias as well.
    private static func isTokenBoundary(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
            UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","):
            return true
        default:
            return false
        }
    }

    private static func startsDocumentMarker(_ bytes: String.UTF8View, at index: String.UTF8View.Index) -> Bool {
        let marker = bytes[index]
        var i = index
        for _ in 0..<3 {
            guard i < bytes.endIndex, bytes[i] == marker else { return false }
            i = bytes.index(after: i)
        }
        return i == bytes.endIndex || [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[i])
    }

    /// libyaml's anchor name characters.
    private static func isAnchorChar(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
