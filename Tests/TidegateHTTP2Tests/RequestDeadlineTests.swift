import CNGHTTP2
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
        let server = try makeServer { $0.requestReadTimeout = .seconds(10) }
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
        let server = try makeServer { $0.requestReadTimeout = .milliseconds(500) }
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
