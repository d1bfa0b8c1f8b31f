/// A size in bytes the way operators write one in a Deployment: a whole number, optionally with a
/// Kubernetes quantity suffix, binary (`Ki`, `Mi`, `Gi`) or decimal (`k`, `M`, `G`), so `3Mi` reads
/// the same here as in `resources.limits.memory`.
enum ByteQuantity {
    static let suffixes: [(String, Int)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000),
    ]

    /// The number of bytes, or nil for anything else (fractions, other units, overflow).
    static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var multiplier = 1
        if let (suffix, factor) = suffixes.first(where: { text.hasSuffix($0.0) }) {
            digits = digits.dropLast(suffix.count)
            multiplier = factor
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }

    /// `bytes` in the largest binary unit that divides it (`3145728` → `3Mi`), for messages.
    static func describe(_ bytes: Int) -> String {
        for (suffix, factor) in [("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)"
    }
}
