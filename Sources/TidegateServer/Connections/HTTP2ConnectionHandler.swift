import Logging
import TidegateHTTP
import TidegateHTTP2
import TidegateTransport

/// Plugs the nghttp2 session into a transport connection (ALPN `h2`).
final class HTTP2ConnectionHandler: ConnectionHandler {
    private let session: HTTP2ServerSession?
    private let logger: Logger

    init(responder: HTTPRouter, limits: HTTPLimits, requestReadTimeout: Duration, logger: Logger) {
        self.logger = logger
        do {
            session = try HTTP2ServerSession(responder: responder, limits: limits, requestReadTimeout: requestReadTimeout)
        } catch {
            logger.error("cannot start an HTTP/2 session", metadata: ["error": "\(error)"])
            session = nil
        }
    }

    func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition {
        guard let session else { return .closeNow }
        do {
            try session.receive(bytes)
        } catch {
            // The session has queued its GOAWAY; send it, then close.
            logger.debug("HTTP/2 session ended", metadata: ["error": "\(error)"])
            session.takeOutput(into: &output)
            return .closeAfterFlush
        }
        session.takeOutput(into: &output)
        return session.wantsClose ? .closeAfterFlush : .keepOpen
    }

    var timeoutPhase: ConnectionTimeoutPhase {
        guard let session else { return .idle }
        return session.hasOpenStreams || session.isInsideFrame ? .readingRequest : .idle
    }

    /// Each stream has its own read deadline (the read limit, or its `?timeout=` when sooner), and
    /// so does a frame still arriving.
    var keepsRequestDeadlines: Bool { true }

    var requestDeadline: UInt64? { session?.nextRequestDeadline }

    func deadlinePassed(now: UInt64, output: inout [UInt8]) -> ExpiredRequests {
        guard let session else { return ExpiredRequests(disposition: .closeNow) }
        let expired = session.expireRequests(now: now)
        session.takeOutput(into: &output)
        return ExpiredRequests(
            pastTheirTimeout: expired.pastTheirTimeout, pastReadLimit: expired.pastReadLimit,
            disposition: session.wantsClose ? .closeAfterFlush : .keepOpen)
    }

    func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition {
        guard let session else { return .closeNow }
        session.beginGracefulShutdown()
        session.takeOutput(into: &output)
        return session.wantsClose ? .closeAfterFlush : .keepOpen
    }
}
