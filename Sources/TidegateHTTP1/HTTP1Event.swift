import TidegateHTTP

/// What the parser found in the bytes it was given, in wire order.
public enum HTTP1Event: Sendable {
    /// A complete request. `keepAlive` is false when the connection must close after the answer
    /// (`Connection: close`, or HTTP/1.0 without `Connection: keep-alive`); the parser then
    /// ignores any further bytes.
    case request(HTTPRequest, keepAlive: Bool)
    /// The client sent `Expect: 100-continue` and its body will be accepted: write
    /// `HTTP/1.1 100 Continue` now, before the body arrives.
    case sendContinue
    /// The request cannot be served. Answer with `error.status` and close the connection:
    /// the parser no longer knows where the next request would start.
    case error(HTTP1Error)
}

/// A rejected request: the status to answer with and a short reason for the body and the logs.
public struct HTTP1Error: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status) \(reason)" }
}
