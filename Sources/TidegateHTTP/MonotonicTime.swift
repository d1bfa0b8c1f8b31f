import CTidegateSystem

/// The clock deadlines are kept in across the layers: CLOCK_MONOTONIC, in nanoseconds, read by
/// the one function the transport's event loops read too (`tg_monotonic_ns`), so a codec can set
/// a deadline the transport enforces.
public enum MonotonicTime {
    public static func now() -> UInt64 { tg_monotonic_ns() }

    /// `start` plus `duration` (a negative one adds nothing), saturating instead of wrapping.
    public static func deadline(after start: UInt64, _ duration: Duration) -> UInt64 {
        deadline(after: start, nanoseconds: nanoseconds(duration))
    }

    /// `start` plus `length` nanoseconds, saturating instead of wrapping.
    public static func deadline(after start: UInt64, nanoseconds length: UInt64) -> UInt64 {
        tg_add_saturating(start, length)
    }

    /// `duration` in whole nanoseconds: negative is 0, centuries saturate.
    public static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return tg_duration_ns(seconds, attoseconds)
    }
}
