/// An RFC 6901 JSON Pointer: `/spec/containers/0/securityContext`.
/// Tokens are kept unescaped; `~` and `/` are escaped only when the pointer is written.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, Comparable {
    public private(set) var tokens: [String]

    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses `/a/b~1c/~0d`. Fails unless the text is empty or starts with `/`.
    public init?(_ text: String) {
        if text.isEmpty { self.tokens = []; return }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            // Order matters (RFC 6901 §4): `~01` is `~1` literally, not `/`.
            tokens.append(raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~"))
        }
        self.tokens = tokens
    }

    public func appending(_ token: String) -> JSONPointer {
        var p = self
        p.tokens.append(token)
        return p
    }

    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    public func appending(_ other: JSONPointer) -> JSONPointer {
        var p = self
        p.tokens.append(contentsOf: other.tokens)
        return p
    }

    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer { lhs.appending(rhs) }
    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs.appending(rhs) }

    public var parent: JSONPointer? {
        tokens.isEmpty ? nil : JSONPointer(tokens: Array(tokens.dropLast()))
    }

    public var lastToken: String? { tokens.last }

    public func hasPrefix(_ other: JSONPointer) -> Bool {
        tokens.count >= other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    public var description: String {
        var out = ""
        for t in tokens {
            out += "/"
            // Byte tests: `String.contains` walks Characters, and patches print every path.
            if t.utf8.contains(UInt8(ascii: "~")) || t.utf8.contains(UInt8(ascii: "/")) {
                out += t.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            } else {
                out += t
            }
        }
        return out
    }

    public static func < (a: JSONPointer, b: JSONPointer) -> Bool {
        a.description < b.description
    }
}

extension StringProtocol {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(ofLiteral: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension Substring {
    fileprivate func range(ofLiteral target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        let u = self.utf8
        var i = u.startIndex
        while i != u.endIndex {
            var j = i
            var k = 0
            while k < t.count, j != u.endIndex, u[j] == t[k] {
                u.formIndex(after: &j)
                k += 1
            }
            if k == t.count { return i..<j }
            u.formIndex(after: &i)
        }
        return nil
    }
}

extension JSONValue {
    /// The value at `pointer`, or nil when any step is missing.
    public func value(at pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let o):
                guard let v = o[token] else { return nil }
                current = v
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }
}
