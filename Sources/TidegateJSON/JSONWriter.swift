/// Serialises `JSONValue` trees: compact for the wire, indented for people.
public struct JSONWriter: Sendable {
    public enum Style: Sendable { case compact, pretty }
    public var style: Style

    public init(style: Style = .compact) { self.style = style }

    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public func write(_ value: JSONValue, into out: inout [UInt8]) {
        write(value, indent: 0, into: &out)
    }

    private func write(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.text.utf8)
        case .string(let s): JSONWriter.appendString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                write(e, indent: indent + 1, into: &out)
            }
            newline(indent, into: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, m) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                JSONWriter.appendString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if style == .pretty { out.append(UInt8(ascii: " ")) }
                write(m.value, indent: indent + 1, into: &out)
            }
            newline(indent, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always) private func newline(_ indent: Int, into out: inout [UInt8]) {
        guard style == .pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    /// Appends `s` as a JSON string literal. `/` is not escaped; control characters are.
    public static func appendString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(utf8: $0, into: &out) }
    }

    /// Appends valid UTF-8 `bytes` as a JSON string literal (texts built as bytes skip the String).
    public static func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let firstEscape = plainRunEnd(bytes, from: 0)
        if firstEscape == bytes.count {
            out.append(contentsOf: bytes)
        } else {
            // An array can only be written within its count: grow it by exactly what the escaped
            // text takes (reserving the worst case, six bytes per byte, zeroed six times the text).
            let start = out.count, room = escapedCount(bytes, plainUntil: firstEscape)
            out.append(contentsOf: repeatElement(0, count: room))
            let written = out.withUnsafeMutableBufferPointer {
                escape(bytes, into: $0.baseAddress! + start, plainUntil: firstEscape)
            }
            // Both walk the same table (`shortEscape`); past `room` the write would have left the array.
            precondition(written == room, "escapedCount disagrees with escape")
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The most bytes `escape(_:into:)` writes for `count` input bytes (each one as `\u00XX`).
    public static func escapedBound(_ count: Int) -> Int { count * 6 }

    /// Writes the contents of a JSON string literal (no quotes) for valid UTF-8 `bytes` at `out`,
    /// which has room for `escapedBound(bytes.count)`, and returns how many bytes it wrote. The
    /// one escaper: arrays here and writers into preallocated buffers (the server's log lines)
    /// both go through it. `/` is not escaped; control characters are.
    public static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        escape(bytes, into: out, plainUntil: plainRunEnd(bytes, from: 0))
    }

    /// How many bytes `escape` writes for `bytes`: one per byte, plus one per two-character
    /// escape and five per `\u00XX`.
    private static func escapedCount(_ bytes: UnsafeBufferPointer<UInt8>, plainUntil firstEscape: Int) -> Int {
        var count = bytes.count
        var i = firstEscape
        while i < bytes.count {
            count += shortEscape(bytes[i]) == nil ? 5 : 1
            i = plainRunEnd(bytes, from: i + 1)
        }
        return count
    }

    private static func escape(
        _ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, plainUntil firstEscape: Int
    ) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var cursor = out
        var start = 0
        var i = firstEscape
        while true {
            // Copy the run before the byte that needs escaping in one go.
            cursor.update(from: base + start, count: i - start)
            cursor += i - start
            if i == bytes.count { return cursor - out }
            cursor = writeEscape(bytes[i], at: cursor)
            start = i + 1
            i = plainRunEnd(bytes, from: start)
        }
    }

    /// The index of the first byte at or after `start` that needs escaping (`"`, `\\`, a
    /// control character), or the end. Eight bytes at a time: the byte-by-byte loop was ~7
    /// instructions per byte, and a denied review's response is mostly message and warning text.
    @inline(__always) private static func plainRunEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = bytes.count
        var i = start
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let quote = w ^ (ones &* 0x22)
                let slash = w ^ (ones &* 0x5C)
                // The lowest flagged byte is exact (bytes above it may be flagged falsely).
                let flags = (((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((w &- ones &* 0x20) & ~w)) & highs
                if flags != 0 { return i + flags.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < n {
            let b = bytes[i]
            if b < 0x20 || b == 0x22 || b == 0x5C { return i }
            i += 1
        }
        return n
    }

    /// The letter after the backslash for a byte with a two-character escape; nil for the ones
    /// written as `\u00XX`. The one table `escapedCount` and `writeEscape` both read.
    @inline(__always) private static func shortEscape(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x22, 0x5C: b
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        default: nil
        }
    }

    private static func writeEscape(_ b: UInt8, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out[0] = 0x5C
        if let letter = shortEscape(b) {
            out[1] = letter
            return out + 2
        }
        let digits: StaticString = "0123456789abcdef"
        out[1] = UInt8(ascii: "u")
        out[2] = 0x30
        out[3] = 0x30
        out[4] = digits.utf8Start[Int(b >> 4)]
        out[5] = digits.utf8Start[Int(b & 0xF)]
        return out + 6
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter().string(self) }
}

extension [UInt8] {
    /// Appends the text's UTF-8 in one copy: `append(contentsOf: text.utf8)` takes the generic
    /// sequence path (~190 instructions a call), and responses are written from dozens of parts.
    public mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    public mutating func appendUTF8(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
