/// A policy list entry that names one value exactly or, ending in `*`, every value with that
/// prefix (`kernel.*`, `safeimages.com/*`); `*` alone matches everything.
public enum NamePattern {
    public static func matches(_ value: String, entry: String) -> Bool {
        if entry.hasSuffix("*") { return value.hasPrefix(entry.dropLast()) }
        return value == entry
    }

    public static func matchesAny(_ value: String, _ entries: [String]) -> Bool {
        entries.contains { matches(value, entry: $0) }
    }
}

/// An entry of `securityContext.allowedHostPorts`: `80-9000`, `1024-` (and above), `-9000`
/// (and below), or a single port.
public struct HostPortRange: Sendable, Equatable {
    public var lower: Int
    public var upper: Int

    public init?(_ text: String) {
        func port(_ part: Substring, default value: Int) -> Int? {
            if part.isEmpty { return value }
            guard part.allSatisfy(\.isASCII), let n = Int(part), (1...65535).contains(n) else { return nil }
            return n
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard !text.isEmpty, let n = port(parts[0], default: 0) else { return nil }
            (lower, upper) = (n, n)
        case 2:
            guard !(parts[0].isEmpty && parts[1].isEmpty), let a = port(parts[0], default: 1),
                  let b = port(parts[1], default: 65535), a <= b else { return nil }
            (lower, upper) = (a, b)
        default:
            return nil
        }
    }

    public func contains(_ port: Int) -> Bool { (lower...upper).contains(port) }
}
