import CNGHTTP2
import Testing
import TidegateHTTP
@testable import TidegateHTTP2

/// kube-apiserver says how long it waits (`?timeout=10s`). Over HTTP/2 a request whose body is
/// still arriving when that time is up is reset on its own (CANCEL); the connection and its other
/// streams go on.
@Suite("HTTP/2 request deadlines from ?timeout=")
struct RequestDeadlineTests {
    /// A POST whose body is held back after `sendFirst` bytes, so the request stays incomplete.
    func incompleteRequest(_ client: TestClient, path: String) -> Int32 {
        client.request("POST", path, headers: [("content-type", "application/json")],
                       body: patternBytes(1_000), holdBody: true, sendFirst: 100)
    }

    @Test("an incomplete request with ?timeout= gets a deadline that far from its headers", arguments: [
        ("/validate?timeout=1s", Duration.seconds(1)), ("/validate?timeout=250ms", .milliseconds(250)),
        ("/mutate?x=1&timeout=1m30s", .seconds(90)),
    ])
    func deadlineFromTheTarget(path: String, limit: Duration) throws {
        let server = try makeServer()
        let client = TestClient()
        let before = MonotonicTime.now()
        _ = incompleteRequest(client, path: path)
        try exchange(client, server)
        let after = MonotonicTime.now()
        let due = try #require(server.nextRequestDeadline)
        #expect(due >= MonotonicTime.deadline(after: before, limit))
        #expect(due <= MonotonicTime.deadline(after: after, limit))
    }

    @Test("no deadline without ?timeout=, for an unreadable one, or when the request came whole", arguments: [
        ("/validate", false), ("/validate?timeout=soon", false), ("/validate?timeout=0s", false),
        ("/validate?timeout=10s", true),
    ])
    func noDeadline(path: String, complete: Bool) throws {
        let server = try makeServer()
        let client = TestClient()
        if complete {
            client.request("POST", path, headers: [("content-type", "application/json")], body: Array("{}".utf8))
        } else {
            _ = incompleteRequest(client, path: path)
        }
        try exchange(client, server)
        #expect(server.nextRequestDeadline == nil)
        #expect(server.expireRequests(now: .max) == 0)
    }

    @Test("past the deadline only that stream is reset (CANCEL); another stream is answered")
    func expiredStreamIsResetAlone() throws {
        let server = try makeServer()
        let client = TestClient()
        let late = incompleteRequest(client, path: "/validate?timeout=2s")
        try exchange(client, server)
        let due = try #require(server.nextRequestDeadline)

        #expect(server.expireRequests(now: due - 1) == 0, "reset before its time")
        #expect(server.expireRequests(now: due) == 1)
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
        #expect(server.expireRequests(now: .max) == 0)
        #expect(server.streamsWithDeadline == 0)
    }

    @Test("with several streams the earliest deadline comes first, and each is reset at its own")
    func earliestFirst() throws {
        let server = try makeServer()
        let client = TestClient()
        let slow = incompleteRequest(client, path: "/validate?timeout=5s")
        let quick = incompleteRequest(client, path: "/validate?timeout=1s")
        try exchange(client, server)
        let first = try #require(server.nextRequestDeadline)
        #expect(server.expireRequests(now: first) == 1)
        let second = try #require(server.nextRequestDeadline)
        #expect(second > first)
        try exchange(client, server)
        #expect(client.streams[quick]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(client.streams[slow]?.resetByServer == nil)
        #expect(server.expireRequests(now: second) == 1)
        try exchange(client, server)
        #expect(client.streams[slow]?.resetByServer == NGHTTP2_CANCEL.rawValue)
        #expect(server.openStreamCount == 0)
    }
}
