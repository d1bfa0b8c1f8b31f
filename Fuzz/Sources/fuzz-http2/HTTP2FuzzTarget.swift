import FuzzSupport
import TidegateHTTP
@_spi(Testing) import TidegateHTTP2

/// Feeds each input to an HTTP/2 server session (nghttp2 plus Tidegate's callbacks, limits and
/// request assembly) in reads of a size the first byte picks, as the transport would, and traps
/// when
/// - the body bytes it counts are not its open streams' bodies, or exceed the budget;
/// - its count of streams with a deadline is not the number of such streams;
/// - resetting every request past its deadline leaves one behind.
/// AddressSanitizer catches memory errors in the callbacks.
///
/// First byte: bit 0 prepends the client preface and an empty SETTINGS frame (so short inputs
/// reach frame handling), bits 1-2 pick the read size (1, 9, 100 bytes or all at once), bit 3
/// expires every request deadline halfway through.
enum HTTP2FuzzTarget {
    static let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        guard let data, size > 0 else { return 0 }
        run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    static let opening: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

    static func run(_ input: UnsafeRawBufferPointer) {
        let flags = input[0]
        var message = flags & 1 != 0 ? opening : []
        message.append(contentsOf: input.dropFirst())
        let step = [1, 9, 100, Int.max][Int(flags >> 1) & 3]
        guard let session = try? HTTP2ServerSession(responder: HTTPFuzzing.Echo(), limits: HTTPFuzzing.limits) else {
            fatalError("the session could not start")
        }
        var output: [UInt8] = []
        var start = 0
        while start < message.count, !session.wantsClose {
            let end = start + min(step, message.count - start)
            let failed = message[start..<end].withUnsafeBytes { chunk -> Bool in
                do { try session.receive(chunk) } catch { return true }
                return false
            }
            session.takeOutput(into: &output)
            check(session)
            if failed { break }
            if flags & 8 != 0, start < message.count / 2, end >= message.count / 2 {
                _ = session.expireRequests(now: .max)
                session.takeOutput(into: &output)
                check(session)
            }
            start = end
            output.removeAll(keepingCapacity: true)
        }
        _ = session.expireRequests(now: .max)
        if session.nextRequestDeadline != nil { fatalError("a deadline survived expiring everything") }
        session.takeOutput(into: &output)
        check(session)
    }

    static func check(_ session: HTTP2ServerSession) {
        if let broken = session.brokenInvariant() { fatalError(broken) }
    }
}
