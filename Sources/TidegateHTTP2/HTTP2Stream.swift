import TidegateHTTP

/// One request stream as the server sees it: the request being assembled, then the answer
/// being written out.
final class HTTP2Stream {
    enum Rejection {
        /// Header section over `maxHeaderBytes` / `maxHeaderCount`: 431.
        case headersTooLarge
        /// Body (declared or received) over `maxBodyBytes`: 413.
        case bodyTooLarge
        /// The connection's body budget is spent: 503.
        case connectionBusy
        /// The server-wide `BodyBudget` is spent: 503.
        case serverBusy
    }

    let id: Int32
    var method: String?
    var target: String?
    var authority: String?
    var headers = HTTPHeaders()
    var hasHostHeader = false
    /// Bytes counted the HTTP/2 way (name + value + 32 per field), pseudo-headers included, so the
    /// cap holds however small the HPACK encoding made them.
    var headerListBytes = 0
    var headerFieldCount = 0
    var receivingTrailers = false
    var declaredLength: Int?
    var body: [UInt8] = []
    /// What `body` holds of the server's `BodyBudget`; released with the body or the stream.
    var reservation: BodyReservation?
    var rejection: Rejection?
    /// By when the request must have arrived (`MonotonicTime`): its first header frame plus the
    /// read limit, or sooner when the client's own `?timeout=` says so. Nil once reset; once the
    /// stream is answered (`responded`) it no longer counts.
    var deadline: UInt64?
    /// Whether `deadline` is the client's `?timeout=` (else the server's read limit).
    var deadlineIsClientTimeout = false

    /// The answer has been submitted; later request bytes are discarded.
    var responded = false
    /// The final frame of the answer went out.
    var responseComplete = false
    /// The client was still sending when we answered: reset with NO_ERROR once the answer is out,
    /// so it stops.
    var resetAfterResponse = false
    var responseBody: [UInt8] = []
    var responseOffset = 0

    init(id: Int32) { self.id = id }
}
