/// Durations written the way Go's `time.ParseDuration` reads them, as Kubernetes writes them
/// (`?timeout=10s`, and this server's own duration flags).
public enum GoDuration {
    /// A Go duration: `10s`, `1m30s`, `250ms`, `1.5h`, `2us`, read as Go's `time.ParseDuration`
    /// reads it (whole part in integers, fraction scaled per unit and truncated to the
    /// nanosecond). Nil for anything else, for negative durations, past 24 hours, and for zero
    /// (no time at all is not a deadline) unless `allowingZero` (then `0`, as in Go, and `0s`,
    /// `0.0ms` ... are `.zero`).
    public static func parse(_ text: String, allowingZero: Bool = false) -> Duration? {
        var text = text
        return text.withUTF8 { parse($0, allowingZero: allowingZero) }
    }

    static let longest: UInt64 = 24 * 3600 * 1_000_000_000

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, allowingZero: Bool = false) -> Duration? {
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var i = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") { i += 1 }
        guard i < bytes.count else { return nil }
        // Go's one unit-less duration.
        if allowingZero, bytes.count - i == 1, bytes[i] == UInt8(ascii: "0") { return .zero }
        var total: UInt64 = 0
        while i < bytes.count {
            var whole: UInt64 = 0
            var digits = 0
            while i < bytes.count, isDigit(bytes[i]) {
                // Past the longest duration already: no need to keep exact digits.
                whole = min(whole &* 10 &+ UInt64(bytes[i] - 0x30), longest + 1)
                digits += 1
                i += 1
            }
            var fraction: UInt64 = 0
            var scale = 1.0
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                while i < bytes.count, isDigit(bytes[i]) {
                    if fraction < UInt64.max / 100 {  // further digits are below a nanosecond
                        fraction = fraction * 10 + UInt64(bytes[i] - 0x30)
                        scale *= 10
                    }
                    digits += 1
                    i += 1
                }
            }
            guard digits > 0 else { return nil }
            var unitEnd = i
            while unitEnd < bytes.count, !isDigit(bytes[unitEnd]), bytes[unitEnd] != UInt8(ascii: ".") { unitEnd += 1 }
            guard let unit = nanoseconds(per: UnsafeBufferPointer(rebasing: bytes[i..<unitEnd])) else { return nil }
            let (product, overflow) = whole.multipliedReportingOverflow(by: unit)
            guard !overflow, product <= longest else { return nil }
            total += product + UInt64(Double(fraction) * (Double(unit) / scale))
            guard total <= longest else { return nil }
            i = unitEnd
        }
        return total > 0 ? .nanoseconds(Int64(total)) : allowingZero ? .zero : nil
    }

    /// Go's units; `µs` is written with either micro sign (U+00B5 or U+03BC).
    static func nanoseconds(per unit: UnsafeBufferPointer<UInt8>) -> UInt64? {
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
