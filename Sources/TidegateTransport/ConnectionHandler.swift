/// The seam between the transport and a protocol (HTTP/1.1, HTTP/2, or anything byte-oriented).
///
/// One handler serves one connection and is only ever called on that connection's event-loop thread,
/// so it needs no locking. The transport owns the socket, TLS, timeouts and buffering of outgoing bytes;
/// the handler owns parsing, its own bounded input buffering, and producing response bytes.
///
/// Calls are synchronous: bytes in, bytes out. A handler must not block.
public protocol ConnectionHandler: AnyObject {
    /// Plaintext bytes from the peer (already decrypted). The buffer is only valid during the call.
    /// Append bytes to send to `output` (it may already hold unsent bytes; only append).
    func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition

    /// Which timeout applies now. Asked after every `received` call, so a handler that is mid-request
    /// says `.readingRequest` and the request-read deadline (counted from the moment the phase began,
    /// not from the last byte) bounds slow senders.
    var timeoutPhase: ConnectionTimeoutPhase { get }

    /// While `.readingRequest`: the time the peer gives the request in progress, when it says
    /// (kube-apiserver's `?timeout=`). The request-read deadline is then the earlier of the two.
    var requestTimeLimit: Duration? { get }

    /// Requests received in full so far. A read can finish one request and begin the next
    /// (HTTP/1.1 pipelining), the phase staying `.readingRequest`; when this count moves, the
    /// request-read deadline starts again for the new request. Default: 0.
    var requestsReceived: Int { get }

    /// True for a handler that bounds each request's arrival itself (HTTP/2: per stream, so one
    /// slow stream does not end the others): the transport's connection-wide request-read
    /// deadline and `requestTimeLimit` then do not apply; `requestDeadline` does. Default: false.
    var keepsRequestDeadlines: Bool { get }

    /// While `.readingRequest`, for a handler that `keepsRequestDeadlines`: the moment
    /// (`MonotonicTime`, CLOCK_MONOTONIC nanoseconds) by which it wants `deadlinePassed` called,
    /// the connection staying open. Asked after every call into the handler. Default: none.
    var requestDeadline: UInt64? { get }

    /// `requestDeadline` has passed: end the requests it bounded (HTTP/2: reset those streams)
    /// and say how many, for the timeout metrics. Default: nothing.
    func deadlinePassed(now: UInt64, output: inout [UInt8]) -> ExpiredRequests

    /// The server is draining: finish in-flight work and say goodbye (HTTP/2 GOAWAY, HTTP/1.1
    /// close after the current response). Return `.keepOpen` to be given the grace period.
    func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition

    /// The connection is gone (peer closed, timeout, error or shutdown). Default: nothing.
    func closed()
}

extension ConnectionHandler {
    public func closed() {}
    public var requestTimeLimit: Duration? { nil }
    public var requestsReceived: Int { 0 }
    public var keepsRequestDeadlines: Bool { false }
    public var requestDeadline: UInt64? { nil }
    public func deadlinePassed(now: UInt64, output: inout [UInt8]) -> ExpiredRequests {
        ExpiredRequests(disposition: .keepOpen)
    }
}

/// What a handler ended when its `requestDeadline` passed, and what the transport does next.
public struct ExpiredRequests: Sendable, Equatable {
    /// Requests past their own `?timeout=` (counted as `request_deadline`).
    public var pastTheirTimeout: Int
    /// Requests still arriving at the read limit (counted as `request_read`).
    public var pastReadLimit: Int
    public var disposition: ConnectionDisposition

    public init(pastTheirTimeout: Int = 0, pastReadLimit: Int = 0, disposition: ConnectionDisposition) {
        self.pastTheirTimeout = pastTheirTimeout
        self.pastReadLimit = pastReadLimit
        self.disposition = disposition
    }
}

/// What the transport does with the connection after a handler call.
public enum ConnectionDisposition: Sendable, Equatable {
    /// Keep reading.
    case keepOpen
    /// Send what is in `output`, then close (stop reading now).
    case closeAfterFlush
    /// Close immediately, dropping unsent bytes.
    case closeNow
}

/// The timeout that applies to a connection between reads.
public enum ConnectionTimeoutPhase: Sendable, Equatable {
    /// Between requests (keep-alive): closed after `idleTimeout` without a byte.
    case idle
    /// A request has started but is incomplete: closed `requestReadTimeout` after it started
    /// (unless the handler `keepsRequestDeadlines`).
    case readingRequest
}

/// What is known about a connection when its handler is created (after the TLS handshake).
public struct ConnectionInfo: Sendable, Equatable {
    /// The negotiated ALPN protocol ("h2", "http/1.1"); nil when the client offered none that the
    /// server supports or for plain TCP. Nil means HTTP/1.1.
    public var applicationProtocol: String?
    /// The peer as "ip:port" ("[ip]:port" for IPv6).
    public var peer: String
    /// True when the connection is TLS.
    public var isTLS: Bool
    /// The negotiated TLS version ("TLSv1.3"), nil for plain TCP.
    public var tlsVersion: String?
    /// The SNI host name the client asked for, if any.
    public var serverName: String?
    /// The verified client certificate's subject (RFC 2253 form), when the client sent one.
    public var clientCertificateSubject: String?
    /// The name of the listener that accepted the connection.
    public var listenerName: String

    public init(
        applicationProtocol: String? = nil, peer: String, isTLS: Bool, tlsVersion: String? = nil,
        serverName: String? = nil, clientCertificateSubject: String? = nil, listenerName: String = ""
    ) {
        self.applicationProtocol = applicationProtocol
        self.peer = peer
        self.isTLS = isTLS
        self.tlsVersion = tlsVersion
        self.serverName = serverName
        self.clientCertificateSubject = clientCertificateSubject
        self.listenerName = listenerName
    }
}

/// Creates the handler for a newly established connection. Called on the connection's loop thread.
public typealias ConnectionHandlerFactory = @Sendable (ConnectionInfo) -> any ConnectionHandler
