import TidegateHTTP
@testable import TidegateHTTP1

/// Answers every request with a body describing what arrived, so tests can see exactly what
/// the codec passed on.
struct EchoResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.target == "/close" {
            var h = HTTPHeaders()
            h.add(name: "connection", value: "close")
            return HTTPResponse(status: 200, headers: h, body: Array("bye".utf8))
        }
        let text = "\(request.method) \(request.target) \(String(decoding: request.body, as: UTF8.self))"
        return HTTPResponse(status: 200, body: Array(text.utf8))
    }
}

extension HTTP1Event {
    /// A compact, comparable rendering of an event.
    var summary: String {
        switch self {
        case .request(let r, let keepAlive):
            "\(r.method) \(r.target) body=\(String(decoding: r.body, as: UTF8.self)) keepAlive=\(keepAlive)"
        case .sendContinue:
            "100-continue"
        case .error(let e):
            "error \(e.status)"
        }
    }

    var request: HTTPRequest? {
        if case .request(let r, _) = self { return r }
        return nil
    }
}

/// Feeds `bytes` to a fresh parser in pieces of `chunk` bytes (0 = all at once).
func parse(_ bytes: [UInt8], chunk: Int = 0, limits: HTTPLimits = HTTPLimits()) -> [HTTP1Event] {
    var parser = HTTP1Parser(limits: limits)
    return feed(&parser, bytes, chunk: chunk)
}

func feed(_ parser: inout HTTP1Parser, _ bytes: [UInt8], chunk: Int = 0) -> [HTTP1Event] {
    var events: [HTTP1Event] = []
    let step = chunk == 0 ? max(bytes.count, 1) : chunk
    var start = 0
    while start < bytes.count {
        let end = min(start + step, bytes.count)
        bytes[start..<end].withUnsafeBytes { parser.parse($0, into: &events) }
        start = end
    }
    return events
}

/// Feeds the bytes split in two at `split`.
func parse(_ bytes: [UInt8], splitAt split: Int, limits: HTTPLimits = HTTPLimits()) -> [HTTP1Event] {
    var parser = HTTP1Parser(limits: limits)
    var events: [HTTP1Event] = []
    bytes[..<split].withUnsafeBytes { parser.parse($0, into: &events) }
    bytes[split...].withUnsafeBytes { parser.parse($0, into: &events) }
    return events
}

func parse(_ text: String, chunk: Int = 0, limits: HTTPLimits = HTTPLimits()) -> [HTTP1Event] {
    parse(Array(text.utf8), chunk: chunk, limits: limits)
}

/// Runs a connection over `bytes` (in pieces of `chunk`) and returns the output and final state.
func converse(_ bytes: [UInt8], chunk: Int = 0, limits: HTTPLimits = HTTPLimits())
    -> (output: String, state: HTTP1ConnectionState, connection: HTTP1Connection)
{
    var connection = HTTP1Connection(limits: limits)
    var output: [UInt8] = []
    var state = HTTP1ConnectionState.open
    let step = chunk == 0 ? max(bytes.count, 1) : chunk
    var start = 0
    while start < bytes.count {
        let end = min(start + step, bytes.count)
        state = bytes[start..<end].withUnsafeBytes {
            connection.receive($0, responder: EchoResponder(), output: &output)
        }
        start = end
    }
    return (String(decoding: output, as: UTF8.self), state, connection)
}

func converse(_ text: String, chunk: Int = 0, limits: HTTPLimits = HTTPLimits())
    -> (output: String, state: HTTP1ConnectionState, connection: HTTP1Connection)
{
    converse(Array(text.utf8), chunk: chunk, limits: limits)
}

func limits(body: Int? = nil, headerBytes: Int? = nil, headerCount: Int? = nil) -> HTTPLimits {
    var l = HTTPLimits()
    if let body { l.maxBodyBytes = body }
    if let headerBytes { l.maxHeaderBytes = headerBytes }
    if let headerCount { l.maxHeaderCount = headerCount }
    return l
}

/// Status codes of every response in `output`, in order.
func statuses(_ output: String) -> [Int] {
    output.split(separator: "HTTP/1.1 ", omittingEmptySubsequences: true).compactMap { Int($0.prefix(3)) }
}
