import TidegateHTTP
import TidegateHTTP1
import TidegateTransport

/// Plugs the HTTP/1.1 codec into a transport connection.
final class HTTP1ConnectionHandler: ConnectionHandler {
    private var connection: HTTP1Connection
    private let responder: HTTPRouter
    private var draining = false

    init(responder: HTTPRouter, limits: HTTPLimits) {
        self.connection = HTTP1Connection(limits: limits)
        self.responder = responder
    }

    func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition {
        let state = connection.receive(bytes, responder: responder, output: &output)
        if state == .closeAfterFlush { return .closeAfterFlush }
        // While draining, a connection closes as soon as it is between requests.
        if draining && connection.readPhase == .idle { return .closeAfterFlush }
        return .keepOpen
    }

    var timeoutPhase: ConnectionTimeoutPhase {
        connection.readPhase == .midRequest ? .readingRequest : .idle
    }

    func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition {
        draining = true
        return connection.readPhase == .midRequest ? .keepOpen : .closeAfterFlush
    }
}
