import CTidegateSystem

/// The clock deadlines are kept in across the layers: CLOCK_MONOTONIC, in nanoseconds, read by
/// the one function the transport's event loops read too (`tg_monotonic_ns`), so a codec can set
/// a deadline the transport enforces.
public enum MonotonicTime {
    public static func now() -> UInt64 { tg_monotonic_ns() }

    /// `start` plus `duration` (positive), saturating instead of wrapping.
    public static func deadline(after start: UInt64, _ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return start }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (length, longer) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        guard !longer else { return .max }
        let (sum, wrapped) = start.addingReportingOverflow(length)
        return wrapped ? .max : sum
    }
}
