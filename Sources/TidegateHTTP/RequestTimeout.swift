/// The time a client gives a request, from the `timeout` query parameter in Go's duration
/// syntax. kube-apiserver calls a webhook with `?timeout=10s`: the time the webhook has left,
/// rounded up to whole seconds. Past it, the apiserver has given up and no answer is read.
public enum RequestTimeout {
    /// The `timeout` parameter of a request target (`/validate?timeout=10s`), if it is a
    /// positive duration; nil without one or for anything unreadable (the request is then served
    /// under the server's own limits, as if no time had been given).
    public static func of(target: String) -> Duration? {
        var target = target
        return target.withUTF8 { bytes -> Duration? in
            guard let q = bytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
            var start = q + 1
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                let name: StaticString = "timeout="
                let length = name.utf8CodeUnitCount
                if end - start > length, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<(start + length)])).equals(name) {
                    return parse(UnsafeBufferPointer(rebasing: bytes[(start + length)..<end]))
                }
                start = end + 1
            }
            return nil
        }
    }

    /// A Go duration: `10s`, `1m30s`, `250ms`, `1.5h`, `2us`. Nil for anything else, for zero
    /// and negative durations (no time at all is not a deadline), and past 24 hours.
    public static func parse(_ text: String) -> Duration? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    static let longest: Int64 = 24 * 3600 * 1_000_000_000

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Duration? {
        var i = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") { i += 1 }
        guard i < bytes.count else { return nil }
        var total = 0.0  // nanoseconds; a double keeps fractions like `1.5h` exact enough and cannot overflow
        while i < bytes.count {
            var whole = 0.0
            var digits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                whole = whole * 10 + Double(bytes[i] - 0x30)
                digits += 1
                i += 1
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 0.1
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                    whole += Double(bytes[i] - 0x30) * scale
                    scale /= 10
                    digits += 1
                    i += 1
                }
            }
            guard digits > 0 else { return nil }
            var unitEnd = i
            while unitEnd < bytes.count, !(bytes[unitEnd] >= 0x30 && bytes[unitEnd] <= 0x39), bytes[unitEnd] != UInt8(ascii: ".") {
                unitEnd += 1
            }
            guard let perUnit = nanoseconds(per: UnsafeBufferPointer(rebasing: bytes[i..<unitEnd])) else { return nil }
            total += whole * perUnit
            guard total <= Double(longest) else { return nil }
            i = unitEnd
        }
        let nanoseconds = Int64(total.rounded(.up))
        return nanoseconds > 0 ? .nanoseconds(nanoseconds) : nil
    }

    /// Go's units; `µs` is written with either micro sign (U+00B5 or U+03BC).
    static func nanoseconds(per unit: UnsafeBufferPointer<UInt8>) -> Double? {
        let unit = UnsafeRawBufferPointer(unit)
        if unit.equals("s") { return 1_000_000_000 }
        if unit.equals("ms") { return 1_000_000 }
        if unit.equals("m") { return 60_000_000_000 }
        if unit.equals("h") { return 3_600_000_000_000 }
        if unit.equals("us") || unit.equals("\u{B5}s") || unit.equals("\u{3BC}s") { return 1_000 }
        if unit.equals("ns") { return 1 }
        return nil
    }
}
