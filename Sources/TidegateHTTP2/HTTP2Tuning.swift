import TidegateHTTP

/// Knobs below `HTTPLimits` that only HTTP/2 has. The defaults suit an admission webhook: few,
/// long-lived connections from the API server carrying many small-to-3 MiB reviews.
struct HTTP2Tuning: Sendable {
    /// Per-stream receive window. A 3 MiB review arrives in three windows instead of fifty.
    var streamWindow: Int32 = 1 << 20
    /// Connection receive window, shared by every stream.
    var connectionWindow: Int32 = 16 << 20
    /// Request bodies buffered at once across all streams of one connection. Beyond it the stream
    /// that would overflow is answered 503, so one connection cannot pin `streams × maxBody` bytes.
    var maxBufferedBodyBytes: Int
    /// Streams the client may reset before their answer went out, on top of a quarter of the
    /// streams answered in full. Past it the connection is a rapid-reset flood (CVE-2023-44487).
    var prematureResetAllowance: Int = 100
    /// SETTINGS/PING acknowledgements nghttp2 may have queued before it calls the peer a flood.
    var maxOutboundAcks: Int = 256
    /// The most time a stream may take to arrive (see `HTTP2ServerSession.init`), in nanoseconds:
    /// every deadline query adds it, so it is converted from a `Duration` once.
    var requestReadLimit: UInt64 = 10_000_000_000
    /// SETTINGS entries accepted in one frame.
    var maxSettingsEntries: Int = 16
    /// CONTINUATION frames accepted after one HEADERS frame (CVE-2024-27316 class of floods).
    var maxContinuations: Int = 8

    init(limits: HTTPLimits) {
        maxBufferedBodyBytes = max(4 * limits.maxBodyBytes, 1 << 20)
    }
}
