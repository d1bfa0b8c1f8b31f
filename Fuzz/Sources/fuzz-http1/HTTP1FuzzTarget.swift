import FuzzSupport
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

    static let limits = HTTPFuzzing.limits
    static let echo = HTTPFuzzing.Echo(closeOnRequest: true)

    static func run(_ input: UnsafeRawBufferPointer) {
        let step = Int(input[0] % 17) + 1
        let message = input.count > 1 ? UnsafeRawBufferPointer(rebasing: input[1...]) : UnsafeRawBufferPointer(start: nil, count: 0)
        let bound = limits.maxHeaderBytes + limits.maxBodyBytes

        var whole = HTTP1Connection(limits: limits)
        var wholeOutput: [UInt8] = []
        var wholeState = whole.receive(message, responder: echo, output: &wholeOutput)
        if whole.bufferedByteCount > bound { fatalError("buffered \(whole.bufferedByteCount) > \(bound)") }

        var split = HTTP1Connection(limits: limits)
        var splitOutput: [UInt8] = []
        var splitState = HTTP1ConnectionState.open
        var start = 0
        repeat {
            let end = min(message.count, start + step)
            splitState = split.receive(UnsafeRawBufferPointer(rebasing: message[start..<end]), responder: echo,
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
