import TidegateHTTP
import TidegateHTTP1
import TidegateTransport

/// Plugs the HTTP/1.1 codec into a transport connection.
final class HTTP1ConnectionHandler: ConnectionHandler {
    private var connection: HTTP1Connection
    private let responder: HTTPRouter
    private var draining = false
    /// Bytes still accepted (and dropped) after an error answer; nil when not lingering.
    private var lingerBudget: Int?
    private let lingerLimit: Int

    init(responder: HTTPRouter, limits: HTTPLimits) {
        self.connection = HTTP1Connection(limits: limits)
        self.responder = responder
        self.lingerLimit = limits.maxBodyBytes + limits.maxHeaderBytes
    }

    func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition {
        if let budget = lingerBudget {
            lingerBudget = budget - bytes.count
            return budget > bytes.count && !draining ? .keepOpen : .closeAfterFlush
        }
        let answeredFrom = output.count
        let state = connection.receive(bytes, responder: responder, output: &output)
        if state == .closeAfterFlush {
            // An error answer (413, 431, ...) usually leaves the client still sending. Closing with
            // its bytes unread makes the kernel reset the connection, and the reset can destroy the
            // answer before the client reads it; so keep reading and dropping until the client,
            // having read the answer (`Connection: close`), closes. Bounded by a byte budget and the
            // request-read deadline.
            guard Self.lastStatus(in: output[answeredFrom...]) >= 400, !draining else { return .closeAfterFlush }
            lingerBudget = lingerLimit
            return .keepOpen
        }
        // While draining, a connection closes as soon as it is between requests.
        if draining && connection.readPhase == .idle { return .closeAfterFlush }
        return .keepOpen
    }

    var timeoutPhase: ConnectionTimeoutPhase {
        lingerBudget != nil || connection.readPhase == .midRequest ? .readingRequest : .idle
    }

    var requestTimeLimit: Duration? { lingerBudget == nil ? connection.requestTimeLimit : nil }

    var requestsReceived: Int { connection.requestsReceived }

    func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition {
        draining = true
        if lingerBudget != nil { return .closeAfterFlush }
        return connection.readPhase == .midRequest ? .keepOpen : .closeAfterFlush
    }

    /// The status code of the last response that starts in `bytes` (0 if none).
    static func lastStatus(in bytes: ArraySlice<UInt8>) -> Int {
        let prefix = Array("HTTP/1.1 ".utf8)
        var index = bytes.endIndex - prefix.count - 3
        while index >= bytes.startIndex {
            if bytes[index..<index + prefix.count].elementsEqual(prefix) {
                let digits = bytes[(index + prefix.count)..<(index + prefix.count + 3)]
                guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return 0 }
                return digits.reduce(0) { $0 * 10 + Int($1) - 48 }
            }
            index -= 1
        }
        return 0
    }
}
