import TidegateHTTP
import TidegateHTTP1

/// Feeds each input through two connections, one in a single read and one in reads whose sizes
/// come from the first input byte, and traps (so libFuzzer records a crash) when
/// - the outputs differ: the codec's answer must not depend on how TCP split the bytes;
/// - more bytes are buffered than the limits allow.
/// Small limits make the 413/431/414 paths reachable by short inputs.
enum HTTP1FuzzTarget {
    static let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        guard let data, size > 0 else { return 0 }
        run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    static let limits: HTTPLimits = {
        var l = HTTPLimits()
        l.maxBodyBytes = 4096
        l.maxHeaderBytes = 1024
        l.maxHeaderCount = 16
        return l
    }()

    struct Echo: HTTPResponder {
        func respond(to request: HTTPRequest) -> HTTPResponse {
            var h = HTTPHeaders()
            h.add(name: "x-target", value: request.target)
            if request.target.hasPrefix("/close") { h.add(name: "connection", value: "close") }
            return HTTPResponse(status: request.body.isEmpty ? 204 : 200, headers: h, body: request.body)
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        let step = Int(input[0] % 17) + 1
        let message = input.count > 1 ? UnsafeRawBufferPointer(rebasing: input[1...]) : UnsafeRawBufferPointer(start: nil, count: 0)
        let bound = limits.maxHeaderBytes + limits.maxBodyBytes

        var whole = HTTP1Connection(limits: limits)
        var wholeOutput: [UInt8] = []
        var wholeState = whole.receive(message, responder: Echo(), output: &wholeOutput)
        if whole.bufferedByteCount > bound { fatalError("buffered \(whole.bufferedByteCount) > \(bound)") }

        var split = HTTP1Connection(limits: limits)
        var splitOutput: [UInt8] = []
        var splitState = HTTP1ConnectionState.open
        var start = 0
        repeat {
            let end = min(message.count, start + step)
            splitState = split.receive(UnsafeRawBufferPointer(rebasing: message[start..<end]), responder: Echo(),
                                       output: &splitOutput)
            if split.bufferedByteCount > bound { fatalError("buffered \(split.bufferedByteCount) > \(bound)") }
            start = end
        } while start < message.count
        if wholeOutput != splitOutput || wholeState != splitState || whole.readPhase != split.readPhase {
            fatalError("output depends on the split (step \(step))")
        }

        // A deadline firing now must leave the connection closed, whatever state it is in.
        wholeState = whole.readTimedOut(output: &wholeOutput)
        if wholeState != .closeAfterFlush || whole.readPhase != .closed { fatalError("timeout left it open") }
    }
}
