import TidegateHTTP
import TidegateJSON

/// Writes HTTP/1.1 responses. The encoder owns the framing fields: any `content-length`,
/// `transfer-encoding` or `connection` set by a handler is replaced by what the connection
/// actually does, so a handler cannot desynchronise the peer.
public enum HTTP1ResponseEncoder {
    /// How the response tells the peer about the connection's future.
    public enum Persistence: Sendable {
        /// HTTP/1.1 default: say nothing.
        case keepAlive
        /// The peer asked for keep-alive explicitly (an HTTP/1.0 peer must be told it got it).
        case announceKeepAlive
        /// `connection: close`: the connection ends after this response.
        case close
    }

    /// The interim response that lets an `Expect: 100-continue` client send its body.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends `response` to `output`. For HEAD the body is left out but `content-length` still
    /// announces the size a GET would have (or the handler's own `content-length`, if it set one).
    public static func encode(_ response: HTTPResponse, headRequest: Bool, persistence: Persistence,
                              into output: inout [UInt8]) {
        let status = (100...999).contains(response.status) ? response.status : 500
        // Room for the whole response at once; doubling, so pipelined answers do not regrow per response.
        let needed = output.count + 256 + (headRequest ? 0 : response.body.count)
        if needed > output.capacity { output.reserveCapacity(max(needed, 2 * output.capacity)) }
        if status == 200 {
            output.appendUTF8("HTTP/1.1 200 OK\r\n")
        } else {
            output.appendUTF8("HTTP/1.1 ")
            appendDecimal(status, to: &output)
            output.append(ASCII.space)
            output.append(contentsOf: httpReasonPhrase(status).utf8)
            output.appendUTF8("\r\n")
        }

        // RFC 9110 §8.6: no content-length (and no body) on 1xx, 204 and 304.
        let bodyless = status < 200 || status == 204 || status == 304
        var declaredLength: String?
        for field in response.headers {
            switch field.name {
            case "content-length":
                if headRequest, declaredLength == nil, isDecimal(field.value) { declaredLength = field.value }
                continue
            case "connection", "transfer-encoding", "keep-alive":
                continue
            default:
                // A CR or LF from a handler would split the response: drop such a field.
                guard isSafe(field.name), isSafe(field.value) else { continue }
                appendField(field.name, field.value, to: &output)
            }
        }
        if !bodyless {
            output.appendUTF8("content-length: ")
            if let declaredLength, response.body.isEmpty {
                output.append(contentsOf: declaredLength.utf8)
            } else {
                appendDecimal(response.body.count, to: &output)
            }
            output.appendUTF8("\r\n")
        }
        switch persistence {
        case .keepAlive: break
        case .announceKeepAlive: appendField("connection", "keep-alive", to: &output)
        case .close: appendField("connection", "close", to: &output)
        }
        output.appendUTF8("\r\n")
        if !headRequest && !bodyless {
            output.append(contentsOf: response.body)
        }
    }

    /// The answer to a rejected request: the shared JSON error shape, then close.
    public static func encode(_ error: HTTP1Error, into output: inout [UInt8]) {
        encode(.jsonError(error.status, error.reason), headRequest: false, persistence: .close, into: &output)
    }

    private static func appendField(_ name: String, _ value: String, to output: inout [UInt8]) {
        output.appendUTF8(name)
        output.appendUTF8(": ")
        output.appendUTF8(value)
        output.appendUTF8("\r\n")
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(truncatingIfNeeded: rest / divisor) + 0x30)
            rest %= divisor
            divisor /= 10
        }
    }

    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }
    }

    private static func isDecimal(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
