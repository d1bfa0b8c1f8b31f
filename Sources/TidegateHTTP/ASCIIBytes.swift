// Byte-level comparisons for the codecs and the server: header names, tokens and media types
// are ASCII, and comparing them as bytes avoids building a String per field.

/// Optional whitespace (OWS, RFC 9110 §5.6.3): space or horizontal tab.
@inlinable @inline(__always)
public func isOptionalWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive comparison against a lowercase literal.
    @inlinable @inline(__always)
    public func equalsLowercased(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for i in 0..<count {
            var b = self[i]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != lit[i] { return false }
        }
        return true
    }

    /// Exact, case-sensitive comparison (methods, HTTP/2 field names, units).
    @inlinable @inline(__always)
    public func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for i in 0..<count where self[i] != lit[i] { return false }
        return true
    }

    /// The bytes without leading and trailing spaces and tabs (OWS).
    @inlinable
    public func trimmingWhitespace() -> UnsafeRawBufferPointer {
        var start = 0
        var end = count
        while start < end, isOptionalWhitespace(self[start]) { start += 1 }
        while end > start, isOptionalWhitespace(self[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}
