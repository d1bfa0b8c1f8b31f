import CNGHTTP2
import Foundation
import Testing
import TidegateHTTP
@_spi(Testing) @testable import TidegateHTTP2

/// Each stream must arrive within the read limit from its first header frame, or sooner when the
/// client says how long it waits (`?timeout=10s`, as kube-apiserver does). Past its deadline a
/// stream still arriving is reset on its own (CANCEL); the connection and its other streams go on.
@Suite("HTTP/2 request deadlines")
struct RequestDeadlineTests {
    /// A POST whose body is held back after `sendFirst` bytes, so the request stays incomplete.
    func incompleteRequest(_ client: TestClient, path: String) -> Int32 {
        client.request("POST", path, headers: [("content-type", "application/json")],
                       body: patternBytes(1_000), holdBody: true, sendFirst: 100)
    }

    @Test("an incomplete request's deadline: the read limit, or its ?timeout= when sooner", arguments: [
        ("/validate?timeout=1s", Duration.seconds(1)),
        ("/validate?timeout=250ms", .milliseconds(250)),
        ("/mutate?x=1&timeout=1m30s", .seconds(10)),  // the read limit comes first
        ("/validate", .seconds(10)),
        ("/validate?timeout=soon", .seconds(10)),      // unreadable: the read limit alone
        ("/validate?timeout=0s", .seconds(10)),
    ])
    func deadlineOfAnIncompleteRequest(path: String, limit: Duration) throws {
        let server = try makeServer(readLimit: .seconds(10))
        let client = TestClient()
        let before = MonotonicTime.now()
        _ = incompleteRequest(client, path: path)
        try exchange(client, server)
        let after = MonotonicTime.now()
        let due = try #require(server.nextRequestDeadline)
        #expect(due >= MonotonicTime.deadline(after: before, limit))
        #expect(due <= MonotonicTime.deadline(after: after, limit))
    }

    @Test("a request that came whole is answered and leaves no deadline", arguments: ["/validate", "/validate?timeout=10s"])
    func completeRequest(path: String) throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("POST", path, headers: [("content-type", "application/json")], body: Array("{}".utf8))
        try exchange(client, server)
        #expect(client.streams[id]?.status == 200)
        #expect(server.nextRequestDeadline == nil)
        #expect(server.expireRequests(now: .max) == (0, 0))
    }

    @Test("past its ?timeout= only that stream is reset (CANCEL), counted as past its timeout; another stream is answered")
    func expiredStreamIsResetAlone() throws {
        let server = try makeServer()
        let client = TestClient()
        let late = incompleteRequest(client, path: "/validate?timeout=2s")
        try exchange(client, server)
        let due = try #require(server.nextRequestDeadline)

        #expect(server.expireRequests(now: due - 1) == (0, 0), "reset before its time")
        #expect(server.expireRequests(now: due) == (1, 0))
        #expect(server.nextRequestDeadline == nil)
        try exchange(client, server)
        #expect(client.streams[late]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(client.streams[late]?.status == nil, "a reset request must not also be answered")
        #expect(server.bufferedBodyBytes == 0, "the reset stream's body still counts against the connection")

        // The rest of the late body is discarded, and the connection serves the next request.
        client.release(late)
        let next = client.request("GET", "/after")
        try exchange(client, server)
        #expect(client.streams[next]?.status == 200)
        #expect(server.openStreamCount == 0 && !server.wantsClose)
        #expect(server.brokenInvariant() == nil)
    }

    @Test("a stream still arriving at the read limit is reset and counted as past the read limit")
    func readLimitResetsTheStream() throws {
        let server = try makeServer(readLimit: .milliseconds(500))
        let client = TestClient()
        let slow = incompleteRequest(client, path: "/validate?timeout=10s")  // its own time is longer
        try exchange(client, server)
        let due = try #require(server.nextRequestDeadline)
        #expect(server.expireRequests(now: due) == (0, 1))
        try exchange(client, server)
        #expect(client.streams[slow]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(!server.wantsClose)
    }

    @Test("a body that completes in time is answered and leaves no deadline behind")
    func completedInTime() throws {
        let server = try makeServer()
        let client = TestClient()
        let id = incompleteRequest(client, path: "/validate?timeout=10s")
        try exchange(client, server)
        #expect(server.nextRequestDeadline != nil)
        client.release(id)
        try exchange(client, server)
        #expect(client.streams[id]?.status == 200)
        #expect(server.nextRequestDeadline == nil)
        #expect(server.expireRequests(now: .max) == (0, 0))
        #expect(server.brokenInvariant() == nil)
    }

    @Test("with several streams the earliest deadline comes first, and each is reset at its own")
    func earliestFirst() throws {
        let server = try makeServer()
        let client = TestClient()
        let slow = incompleteRequest(client, path: "/validate?timeout=5s")
        let quick = incompleteRequest(client, path: "/validate?timeout=1s")
        try exchange(client, server)
        let first = try #require(server.nextRequestDeadline)
        #expect(server.expireRequests(now: first) == (1, 0))
        let second = try #require(server.nextRequestDeadline)
        #expect(second > first)
        try exchange(client, server)
        #expect(client.streams[quick]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(client.streams[slow]?.resetByServer == nil)
        #expect(server.expireRequests(now: second) == (1, 0))
        try exchange(client, server)
        #expect(client.streams[slow]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(server.openStreamCount == 0)
        #expect(server.brokenInvariant() == nil)
    }
}

/// A frame trickling in holds the connection before any stream exists (HTTP/2's slowloris): the
/// session tracks frame boundaries itself and bounds an unfinished frame by the read limit.
@Suite("HTTP/2 frames still arriving")
struct PartialFrameTests {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    @Test("frame boundaries, however the bytes are split", arguments: [
        ("nothing yet", [[UInt8]](), true),
        ("half the preface", [Array(preface[..<10])], false),
        ("the preface", [preface], true),
        ("preface and 5 bytes of a frame header", [preface + Wire.frame(.ping, Array(repeating: 0, count: 8)).prefix(5)], false),
        ("preface and a whole PING", [preface + Wire.frame(.ping, Array(repeating: 0, count: 8))], true),
        ("a PING byte by byte", (preface + Wire.frame(.ping, Array(repeating: 0, count: 8))).map { [$0] }, true),
        ("a frame header without its payload", [preface + Wire.frame(.settings, [0, 3, 0, 0, 0, 100]).prefix(9)], false),
        ("two frames, the second cut", [preface + Wire.frame(.settings) + Wire.frame(.ping, Array(repeating: 0, count: 8)).prefix(12)], false),
        ("a 16 KB payload in pieces", [preface, Wire.frame(.data, stream: 1, Array(repeating: 7, count: 16_384)).prefix(10_000).map { $0 }, Array(Wire.frame(.data, stream: 1, Array(repeating: 7, count: 16_384)).dropFirst(10_000))], true),
    ] as [(String, [[UInt8]], Bool)])
    func boundaries(name: String, reads: [[UInt8]], atBoundary: Bool) {
        var framing = HTTP2Framing()
        for read in reads { _ = read.withUnsafeBytes { framing.advance($0) } }
        #expect(framing.atBoundary == atBoundary, "\(name)")
    }

    @Test("an unfinished frame gets the read limit from its first byte; past it the connection ends with GOAWAY")
    func unfinishedFrameEndsTheConnection() throws {
        let server = try makeServer(readLimit: .seconds(2))
        let before = MonotonicTime.now()
        try server.receive(Self.preface + Wire.frame(.settings) + Array(Wire.frame(.ping, Array(repeating: 0, count: 8)).prefix(5)))
        #expect(server.isInsideFrame && !server.hasOpenStreams)
        let due = try #require(server.nextRequestDeadline)
        #expect(due >= MonotonicTime.deadline(after: before, .seconds(2)))
        #expect(server.expireRequests(now: due - 1) == (0, 0))
        #expect(server.expireRequests(now: due) == (0, 1))
        var output: [UInt8] = []
        server.takeOutput(into: &output)
        #expect(Wire.frames(output).contains { $0.type == Wire.FrameType.goaway.rawValue })
        #expect(server.wantsClose)
    }

    @Test("a read that finishes one frame and starts the next restarts the time: a busy peer is not a slow one")
    func nextFrameRestartsTheTime() throws {
        let server = try makeServer(readLimit: .seconds(2))
        let ping = Wire.frame(.ping, Array(repeating: 0, count: 8))
        try server.receive(Self.preface + Wire.frame(.settings) + Array(ping.prefix(5)))
        let first = try #require(server.nextRequestDeadline)
        usleep(2_000)
        // The rest of that PING, and 5 bytes of another: still mid-frame, but a new frame.
        let before = MonotonicTime.now()
        try server.receive(Array(ping.dropFirst(5)) + Array(ping.prefix(5)))
        let second = try #require(server.nextRequestDeadline)
        #expect(second > first)
        #expect(second >= MonotonicTime.deadline(after: before, .seconds(2)))
    }

    @Test("a frame finished in time clears its deadline")
    func finishedFrame() throws {
        let server = try makeServer()
        let ping = Wire.frame(.ping, Array(repeating: 0, count: 8))
        try server.receive(Self.preface + Wire.frame(.settings) + Array(ping.prefix(5)))
        #expect(server.nextRequestDeadline != nil)
        try server.receive(Array(ping.dropFirst(5)))
        #expect(!server.isInsideFrame)
        #expect(server.nextRequestDeadline == nil)
    }

    @Test("an answer the peer's flow control holds back past the read limit is reset, not kept forever")
    func answerHeldByFlowControl() throws {
        let server = try makeServer(readLimit: .seconds(1))
        // The client allows no response body bytes at all.
        let client = TestClient(settings: [nghttp2_settings_entry(
            settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 0)])
        let id = client.request("POST", "/echo", body: Array("{\"a\":1}".utf8))
        try exchange(client, server)
        #expect(client.streams[id]?.status == 200, "the headers go out")
        #expect(server.openStreamCount == 1, "the body cannot")
        let due = try #require(server.nextRequestDeadline)
        #expect(server.expireRequests(now: due) == (0, 1))
        try exchange(client, server)
        #expect(client.streams[id]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(server.openStreamCount == 0 && !server.wantsClose)
        #expect(server.brokenInvariant() == nil)
    }
}
