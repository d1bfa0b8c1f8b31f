import CNGHTTP2
import Testing
import TidegateHTTP
@testable import TidegateHTTP2

/// Feeds raw bytes the way a transport would: receive, then drain. Returns the server's output
/// and the error `receive` threw, if any.
func feedRaw(_ server: HTTP2ServerSession, _ bytes: [UInt8]) -> (output: [UInt8], error: HTTP2SessionError?) {
    var thrown: HTTP2SessionError?
    do { try server.receive(bytes) } catch { thrown = error }
    var output: [UInt8] = []
    server.takeOutput(into: &output)
    return (output, thrown)
}

@Suite("HTTP/2 protocol violations and abuse")
struct AbuseTests {
    struct Violation: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        /// The GOAWAY error code the server must answer with.
        var goaway: nghttp2_error_code
        var testDescription: String { name }
    }

    static let violations: [Violation] = [
        Violation(name: "PING with a 7-byte payload (wrong length)",
                  bytes: Wire.frame(.ping, Array(repeating: 0, count: 7)), goaway: NGHTTP2_FRAME_SIZE_ERROR),
        Violation(name: "SETTINGS whose length is not a multiple of 6",
                  bytes: Wire.frame(.settings, [0, 3, 0, 0, 0]), goaway: NGHTTP2_FRAME_SIZE_ERROR),
        Violation(name: "HEADERS on stream 0",
                  bytes: Wire.frame(.headers, flags: 0x5, stream: 0, [0x82]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "HEADERS on an even (server-initiated) stream id",
                  bytes: Wire.frame(.headers, flags: 0x5, stream: 2, [0x82, 0x86, 0x84]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "connection WINDOW_UPDATE overflowing 2^31-1",
                  bytes: Wire.frame(.windowUpdate, Wire.be32(0x7FFF_FFFF)), goaway: NGHTTP2_FLOW_CONTROL_ERROR),
        Violation(name: "WINDOW_UPDATE with a zero increment on the connection",
                  bytes: Wire.frame(.windowUpdate, Wire.be32(0)), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "DATA on an idle stream",
                  bytes: Wire.frame(.data, stream: 1, [1, 2, 3]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "DATA larger than SETTINGS_MAX_FRAME_SIZE",
                  bytes: Wire.frame(.data, stream: 1, Array(repeating: 0, count: 16_385)), goaway: NGHTTP2_FRAME_SIZE_ERROR),
        Violation(name: "CONTINUATION without a HEADERS before it",
                  bytes: Wire.frame(.continuation, flags: 0x4, stream: 1, [0x82]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "SETTINGS_ENABLE_PUSH set to 2",
                  bytes: Wire.frame(.settings, [0, 2, 0, 0, 0, 2]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "PUSH_PROMISE sent by a client",
                  bytes: Wire.frame(.pushPromise, flags: 0x4, stream: 1, Wire.be32(2) + [0x82]), goaway: NGHTTP2_PROTOCOL_ERROR),
        Violation(name: "HPACK block that cannot be decoded (index 70 of an empty table)",
                  bytes: Wire.frame(.headers, flags: 0x5, stream: 1, [0xBF, 0x07]), goaway: NGHTTP2_COMPRESSION_ERROR),
    ]

    @Test("a connection-level violation is answered with GOAWAY and the session ends", arguments: violations)
    func violation(_ violation: Violation) throws {
        let server = try makeServer()
        let (output, error) = feedRaw(server, Wire.opening + violation.bytes)
        #expect(error == nil)
        #expect(Wire.goawayError(output) == violation.goaway.rawValue)
        #expect(server.wantsClose)
        #expect(server.openStreamCount == 0)
    }

    @Test("bytes that are not the client preface fail the session with a typed error", arguments: [
        ("an HTTP/1.1 request", Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)),
        ("a TLS ClientHello sent in the clear", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0, count: 20)),
        ("a preface with one wrong byte", Array("PRI * HTTP/2.0\r\n\r\nSN\r\n\r\n".utf8)),
    ])
    func badPreface(_ name: String, bytes: [UInt8]) throws {
        let server = try makeServer()
        let (output, error) = feedRaw(server, bytes)
        #expect(error?.kind == .badClientPreface)
        #expect(server.wantsClose)
        #expect(Wire.goawayError(output) == NGHTTP2_PROTOCOL_ERROR.rawValue)
        // A failed session refuses further input instead of touching freed state.
        #expect(throws: HTTP2SessionError.self) { try server.receive([0]) }
    }

    @Test("control-frame floods stop the session before the reply queue grows", arguments: [
        ("SETTINGS flood", Wire.frame(.settings)),
        ("PING flood", Wire.frame(.ping, Array(repeating: 7, count: 8))),
    ])
    func controlFlood(_ name: String, frame: [UInt8]) throws {
        let server = try makeServer()
        // A peer that never reads: 5,000 frames wanting an ACK in one go, nothing drained between.
        let flood = Wire.opening + Array([[UInt8]](repeating: frame, count: 5_000).joined())
        var thrown: HTTP2SessionError?
        do { try server.receive(flood) } catch { thrown = error }
        #expect(thrown?.kind == .flooded)
        #expect(server.wantsClose)
        var output: [UInt8] = []
        server.takeOutput(into: &output)
        #expect(output.isEmpty)
    }

    @Test("a SETTINGS frame with more entries than allowed ends the session")
    func tooManySettings() throws {
        let server = try makeServer()
        let entries = (0..<40).flatMap { _ in [UInt8](arrayLiteral: 0, 3, 0, 0, 0, 100) }
        let (output, error) = feedRaw(server, Wire.opening + Wire.frame(.settings, entries))
        #expect(error == nil)
        #expect(Wire.goawayError(output) == NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
        #expect(server.wantsClose)
    }

    @Test("a CONTINUATION flood (header block that never ends) ends the session")
    func continuationFlood() throws {
        let server = try makeServer()
        var bytes = Wire.opening + Wire.frame(.headers, stream: 1, [0x82])
        for _ in 0..<50 { bytes += Wire.frame(.continuation, stream: 1, [0x86]) }
        let (output, error) = feedRaw(server, bytes)
        #expect(error?.kind == .flooded)
        #expect(Wire.goawayError(output) == NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
        #expect(server.wantsClose)
        #expect(server.openStreamCount == 0)
    }

    @Test("once SETTINGS are acknowledged, a stream beyond the concurrency limit ends the connection")
    func concurrencyLimitAfterAck() throws {
        // A client that acknowledged the limit and still exceeds it is not counting its streams;
        // nghttp2 treats that as a connection error. Legitimate clients cannot trip it: our side
        // counts a stream closed no later than the client does.
        let server = try makeServer { $0.maxConcurrentStreams = 4 }
        var preface: [UInt8] = []
        server.takeOutput(into: &preface)  // our SETTINGS are now in flight
        var bytes = Wire.opening + Wire.frame(.settings, flags: 0x1)
        for stream in stride(from: UInt32(1), through: 9, by: 2) {
            bytes += Wire.frame(.headers, flags: 0x4, stream: stream, Wire.request())  // bodies never come
        }
        let (output, error) = feedRaw(server, bytes)
        #expect(error == nil)
        #expect(Wire.goawayError(output) == NGHTTP2_PROTOCOL_ERROR.rawValue)
        let goaway = try #require(Wire.frames(output).first { $0.type == Wire.FrameType.goaway.rawValue })
        let lastStream = goaway.payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(lastStream == 7)
        #expect(server.wantsClose && server.openStreamCount == 0)
    }

    @Test("a rapid-reset flood gets GOAWAY(ENHANCE_YOUR_CALM) and no more responder calls")
    func rapidReset() throws {
        let responder = CountingResponder()
        let server = try HTTP2ServerSession(responder: responder, limits: HTTPLimits())
        let client = TestClient(peerMaxConcurrentStreams: 10_000)
        var flood: [UInt8] = []
        for _ in 0..<1_000 {
            let id = client.request("GET", "/")
            flood += client.output()
            client.reset(id)
            flood += client.output()
        }
        let (output, _) = feedRaw(server, flood)
        client.input(output)
        #expect(client.goaways.last?.error == NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
        #expect(server.prematureResets > 100 && server.prematureResets < 1_000)
        // Work stopped at the threshold, not at the end of the flood.
        let calls = responder.calls.load(ordering: .relaxed)
        #expect(calls <= server.prematureResets + 1)
        #expect(server.wantsClose)
    }

    @Test("a client that cancels a few of many requests is not taken for a flood")
    func occasionalResets() throws {
        let server = try makeServer()
        let client = TestClient()
        for i in 0..<600 {
            let id = client.request("GET", "/\(i)")
            if i % 5 == 0 {
                try server.receive(client.output())
                client.reset(id)
            }
            try exchange(client, server)
        }
        #expect(client.goaways.isEmpty)
        #expect(server.prematureResets == 120)
        #expect(!server.wantsClose)
    }
}
