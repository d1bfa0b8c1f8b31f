import CNGHTTP2
import Testing
import TidegateHTTP
@testable import TidegateHTTP2

@Suite("HTTP/2 request and response round trips")
struct RoundTripTests {
    @Test("a GET reaches the responder as an HTTP/2 request with lowercased headers and host from :authority")
    func getRoundTrip() throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("GET", "/healthz?verbose=1", headers: [("x-trace", "abc")])
        try exchange(client, server)
        let stream = try #require(client.streams[id])
        #expect(stream.status == 200)
        #expect(stream.header("x-method") == "GET")
        #expect(stream.header("x-target") == "/healthz?verbose=1")
        #expect(stream.header("x-version") == "HTTP/2")
        #expect(stream.header("x-host") == "webhook.test")
        #expect(stream.header("x-fields") == "x-trace=abc;host=webhook.test")
        #expect(stream.header("connection") == nil)
        #expect(stream.header("content-length") == "0")
        #expect(stream.closed && stream.closeError == 0)
        #expect(server.openStreamCount == 0)
        #expect(server.isIdle && !server.wantsClose)
    }

    @Test("HEAD and 204 answers carry no DATA even when the responder returns a body")
    func bodylessAnswers() throws {
        let server = try makeServer()
        let client = TestClient()
        let head = client.request("HEAD", "/bytes?n=10")
        let delete = client.request("DELETE", "/x", body: Array("gone".utf8))
        try exchange(client, server)
        #expect(client.streams[head]?.status == 200)
        #expect(client.streams[head]?.body == [])
        #expect(client.streams[delete]?.status == 204)
        #expect(client.streams[delete]?.body == [])
        #expect(client.streams[delete]?.closeError == 0)
    }

    @Test("request and response bodies cross intact, flow-controlled both ways", arguments: [
        ("a small review", 7 * 1024),
        ("1 MiB, one stream window", 1 << 20),
        ("exactly the 3 MiB limit", 3 << 20),
    ])
    func bodies(_ name: String, size: Int) throws {
        let server = try makeServer()
        let client = TestClient()
        let body = patternBytes(size)
        let id = client.request("POST", "/validate", headers: [("content-type", "application/json")], body: body)
        try exchange(client, server)
        let stream = try #require(client.streams[id])
        #expect(stream.status == 200)
        #expect(stream.header("content-length") == String(size))
        #expect(stream.body.count == size)
        #expect(stream.body == body)
        #expect(server.openStreamCount == 0)
        #expect(server.bufferedBodyBytes == 0)
    }

    @Test("a 3 MiB answer is cut into DATA frames within the client's 64 KiB window")
    func largeResponseRespectsClientWindow() throws {
        let server = try makeServer()
        let client = TestClient()  // default client window: 65,535 bytes
        let size = 3 << 20
        let id = client.request("GET", "/bytes?n=\(size)")
        // One receive answers inline, but only one window's worth may leave before the client
        // grants more.
        try server.receive(client.output())
        var first: [UInt8] = []
        server.takeOutput(into: &first)
        let dataBytes = Wire.frames(first).filter { $0.type == 0 }.reduce(0) { $0 + $1.payload.count }
        #expect(dataBytes == 65_535)
        #expect(Wire.frames(first).filter { $0.type == 0 }.allSatisfy { $0.payload.count <= 16_384 })
        client.input(first)
        try exchange(client, server)
        #expect(client.streams[id]?.body == patternBytes(size))
        #expect(server.openStreamCount == 0)
    }

    @Test("takeOutput stops near maxBytes and resumes where it left off")
    func boundedOutput() throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("GET", "/bytes?n=60000")
        try server.receive(client.output())
        var collected: [UInt8] = []
        var calls = 0
        while server.hasPendingOutput {
            var chunk: [UInt8] = []
            server.takeOutput(into: &chunk, maxBytes: 10_000)
            // One frame may cross the bound, never more.
            #expect(chunk.count < 10_000 + 16_384 + 9)
            collected += chunk
            calls += 1
        }
        #expect(calls > 3)
        client.input(collected)
        try exchange(client, server)
        #expect(client.streams[id]?.body == patternBytes(60_000))
    }

    @Test("many concurrent streams are each answered with their own request")
    func concurrentStreams() throws {
        let server = try makeServer()
        let client = TestClient()
        let ids = (0..<80).map { i in
            client.request("POST", "/item/\(i)", body: Array("body-\(i)".utf8))
        }
        try exchange(client, server)
        for (i, id) in ids.enumerated() {
            #expect(client.streams[id]?.status == 200)
            #expect(client.streams[id]?.header("x-target") == "/item/\(i)")
            #expect(client.streams[id]?.body == Array("body-\(i)".utf8))
        }
        #expect(server.openStreamCount == 0)
        #expect(server.completedStreams == 80)
    }

    @Test("a request body arriving in pieces is assembled before the responder runs")
    func bodyInPieces() throws {
        let server = try makeServer()
        let client = TestClient()
        let body = patternBytes(200_000)
        let id = client.request("POST", "/slow", body: body, holdBody: true)
        try exchange(client, server)
        #expect(server.openStreamCount == 1)
        #expect(client.streams[id]?.status == nil)
        client.release(id)
        // Feed the bytes a few at a time: frames split across receive calls.
        let bytes = client.output()
        var offset = 0
        var step = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            try server.receive(Array(bytes[offset..<end]))
            offset = end
            step = step * 3 % 4_093 + 1
        }
        try exchange(client, server)
        #expect(client.streams[id]?.body == body)
    }
}
