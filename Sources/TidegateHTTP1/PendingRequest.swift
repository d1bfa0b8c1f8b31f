import TidegateHTTP

/// What the parser has learnt about the request in progress. The framing-relevant fields are
/// recorded while the header lines go by, so nothing has to search `headers` afterwards.
struct PendingRequest: Sendable {
    var method = ""
    var target = ""
    var isHTTP10 = false
    var headers: HTTPHeaders = {
        // Room for a typical request's fields without regrowing three times on the way.
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        return headers
    }()
    var body: [UInt8] = []
    /// What `body` holds of the server's `BodyBudget`; released with this request.
    var reservation: BodyReservation?
    /// The time the client gives this request (`?timeout=`), if it says.
    var timeLimit: Duration?

    /// Bytes of the request line and header section so far, line ends included.
    var headerBytes = 0
    var trailerBytes = 0
    var fieldCount = 0

    /// Declared body length, saturated just above the body limit so a 20-digit value cannot overflow.
    var contentLength: Int?
    var chunked = false
    var hostCount = 0
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false
    var unknownExpectation = false

    var keepAlive: Bool {
        if connectionClose { return false }
        return isHTTP10 ? connectionKeepAlive : true
    }
}
