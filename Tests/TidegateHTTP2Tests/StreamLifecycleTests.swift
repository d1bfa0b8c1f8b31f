import CNGHTTP2
import Testing
import TidegateHTTP
@testable import TidegateHTTP2

@Suite("HTTP/2 limits, resets and connection shutdown")
struct StreamLifecycleTests {
    @Test("a body one byte over the limit gets 413 without being buffered, and the connection goes on")
    func bodyOverLimit() throws {
        let server = try makeServer()
        let client = TestClient()
        let limit = HTTPLimits().maxBodyBytes
        let id = client.request("POST", "/validate", body: patternBytes(limit + 1))
        try exchange(client, server)
        #expect(client.streams[id]?.status == 413)
        let message = String(decoding: client.streams[id]?.body ?? [], as: UTF8.self)
        #expect(message.contains("request body larger than \(limit) bytes"), "the same words as HTTP/1.1")
        #expect(server.peakBufferedBodyBytes <= limit)
        #expect(server.bufferedBodyBytes == 0 && server.openStreamCount == 0)
        let next = client.request("GET", "/after")
        try exchange(client, server)
        #expect(client.streams[next]?.status == 200)
        #expect(!server.wantsClose)
    }

    @Test("a declared content-length over the limit is refused before any body byte is kept")
    func declaredLengthOverLimit() throws {
        let server = try makeServer { $0.maxBodyBytes = 1_000 }
        let client = TestClient()
        let id = client.request("POST", "/validate", headers: [("content-length", "5000")], body: patternBytes(5_000))
        try exchange(client, server)
        #expect(client.streams[id]?.status == 413)
        #expect(server.peakBufferedBodyBytes == 0)
        // The client was still sending: the stream is reset with NO_ERROR once the answer is out.
        #expect(client.streams[id]?.closed == true)
        #expect(server.openStreamCount == 0)
    }

    enum OversizedHeaders: String, CaseIterable, CustomTestStringConvertible {
        case oneHugeField = "one field larger than the section limit"
        case tooManyFields = "more fields than allowed"
        case hpackBomb = "HPACK bomb: one table entry referenced many times"

        var testDescription: String { rawValue }
        var fields: [(String, String)] {
            switch self {
            case .oneHugeField: [("x-big", String(repeating: "a", count: 40_000))]
            case .tooManyFields: (0..<120).map { ("x-f\($0)", "v") }
            case .hpackBomb: Array(repeating: ("x-bomb", String(repeating: "b", count: 2_500)), count: 40)
            }
        }
    }

    @Test("header sections over the limits get 431 however they are encoded", arguments: OversizedHeaders.allCases)
    func headerSectionTooLarge(_ shape: OversizedHeaders) throws {
        let fields = shape.fields
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("GET", "/", headers: fields)
        let wire = client.output()
        if shape == .hpackBomb { #expect(wire.count < 5_000) }  // 100 KB of fields in a few KB
        try server.receive(wire)
        try exchange(client, server)
        #expect(client.streams[id]?.status == 431, "reset \(String(describing: client.streams[id]?.resetByServer)) goaways \(client.goaways)")
        #expect(server.openStreamCount == 0 && !server.wantsClose)
    }

    @Test("trailers end the request but are not handed on; oversized trailers get 431", arguments: [
        ("small trailers", 10, 200),
        ("trailers over the header budget", 40_000, 431),
    ])
    func trailers(_ name: String, trailerSize: Int, status: Int) throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("POST", "/v", body: Array("payload".utf8),
                                trailers: [("x-checksum", String(repeating: "c", count: trailerSize))])
        try exchange(client, server)
        #expect(client.streams[id]?.status == status)
        #expect(client.streams[id]?.header("x-fields")?.contains("x-checksum") != true)
        if status == 200 { #expect(client.streams[id]?.body == Array("payload".utf8)) }
        #expect(server.openStreamCount == 0 && server.bufferedBodyBytes == 0)
    }

    @Test("a request nghttp2 finds malformed is reset on its stream only", arguments: [
        ("no :path", [(":method", "GET"), (":scheme", "https"), (":authority", "a")]),
        ("no :method", [(":path", "/"), (":scheme", "https"), (":authority", "a")]),
        ("uppercase field name", [(":method", "GET"), (":path", "/"), (":scheme", "https"), ("X-Upper", "1")]),
        ("connection-specific field", [(":method", "GET"), (":path", "/"), (":scheme", "https"), ("connection", "close")]),
        ("pseudo-header after a regular one", [(":method", "GET"), ("x-a", "1"), (":path", "/"), (":scheme", "https")]),
    ])
    func malformedRequest(_ name: String, pseudo: [(String, String)]) throws {
        let server = try makeServer()
        let client = TestClient(checkMessaging: false)
        let bad = client.request(pseudoHeaders: pseudo)
        try exchange(client, server)
        #expect(client.streams[bad]?.resetByServer == NGHTTP2_PROTOCOL_ERROR.rawValue)
        #expect(client.streams[bad]?.status == nil)
        let good = client.request("GET", "/fine")
        try exchange(client, server)
        #expect(client.streams[good]?.status == 200)
        #expect(server.openStreamCount == 0 && !server.wantsClose)
    }

    @Test("a stream the client resets mid-body is freed with its buffered bytes")
    func clientReset() throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("POST", "/validate", body: patternBytes(100_000), holdBody: true, sendFirst: 50_000)
        try exchange(client, server)
        #expect(server.openStreamCount == 1)
        #expect(server.bufferedBodyBytes == 50_000)
        client.reset(id)
        try exchange(client, server)
        #expect(server.openStreamCount == 0)
        #expect(server.bufferedBodyBytes == 0)
        let next = client.request("GET", "/after")
        try exchange(client, server)
        #expect(client.streams[next]?.status == 200)
    }

    @Test("more concurrent streams than SETTINGS allow are refused, the rest served")
    func concurrencyLimit() throws {
        let server = try makeServer { $0.maxConcurrentStreams = 4 }
        let client = TestClient(peerMaxConcurrentStreams: 100)
        let ids = (0..<6).map { _ in client.request("POST", "/v", body: Array("x".utf8), holdBody: true) }
        try exchange(client, server)
        #expect(server.openStreamCount == 4)
        let refused = ids.filter { client.streams[$0]?.resetByServer == NGHTTP2_REFUSED_STREAM.rawValue }
        #expect(refused == Array(ids.suffix(2)))
        for id in ids.prefix(4) { client.release(id) }
        try exchange(client, server)
        #expect(ids.prefix(4).allSatisfy { client.streams[$0]?.status == 200 })
        #expect(server.openStreamCount == 0 && !server.wantsClose)
    }

    @Test("past the per-connection body budget a stream gets 503 instead of more memory")
    func connectionBodyBudget() throws {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1 << 20
        var tuning = HTTP2Tuning(limits: limits)
        tuning.maxBufferedBodyBytes = 2 << 20
        let server = try HTTP2ServerSession(responder: EchoResponder(), limits: limits, tuning: tuning)
        let client = TestClient()
        let ids = (0..<3).map { _ in
            client.request("POST", "/v", body: patternBytes(900_000), holdBody: true, sendFirst: 800_000)
        }
        try exchange(client, server)
        #expect(client.streams[ids[2]]?.status == 503)
        #expect(server.peakBufferedBodyBytes <= 2 << 20)
        for id in ids.prefix(2) { client.release(id) }
        try exchange(client, server)
        #expect(client.streams[ids[0]]?.body.count == 900_000)
        #expect(client.streams[ids[1]]?.body.count == 900_000)
    }

    @Test("past the server-wide body budget, shared by two connections, a stream gets 503; bytes come back however streams end")
    func serverBodyBudget() throws {
        let budget = BodyBudget(capacity: 1 << 20)
        var limits = HTTPLimits()
        limits.bodyBudget = budget
        let first = try HTTP2ServerSession(responder: EchoResponder(), limits: limits)
        let second = try HTTP2ServerSession(responder: EchoResponder(), limits: limits)
        let a = TestClient(), b = TestClient()
        let held = a.request("POST", "/v", body: patternBytes(900_000), holdBody: true, sendFirst: 800_000)
        try exchange(a, first)
        #expect(budget.bytesInUse == 800_000)
        let refused = b.request("POST", "/v", body: patternBytes(300_000))
        try exchange(b, second)
        #expect(b.streams[refused]?.status == 503)
        #expect(budget.bytesInUse == 800_000, "the refused stream holds nothing")
        a.release(held)
        try exchange(a, first)
        #expect(a.streams[held]?.body.count == 900_000)
        #expect(budget.bytesInUse == 0)
        let fits = b.request("POST", "/v", body: patternBytes(300_000))
        try exchange(b, second)
        #expect(b.streams[fits]?.status == 200)

        // A stream the client resets mid-body, and one whose connection goes away, give theirs back.
        let reset = a.request("POST", "/v", body: patternBytes(500_000), holdBody: true, sendFirst: 400_000)
        try exchange(a, first)
        #expect(budget.bytesInUse == 400_000)
        a.reset(reset)
        try exchange(a, first)
        #expect(budget.bytesInUse == 0)
        do {
            let third = try HTTP2ServerSession(responder: EchoResponder(), limits: limits)
            let c = TestClient()
            _ = c.request("POST", "/v", body: patternBytes(500_000), holdBody: true, sendFirst: 300_000)
            try exchange(c, third)
            #expect(budget.bytesInUse == 300_000)
        }
        #expect(budget.bytesInUse == 0)
    }

    @Test("a GOAWAY from the client ends the session once its streams are done")
    func clientGoaway() throws {
        let server = try makeServer()
        let client = TestClient()
        let id = client.request("GET", "/")
        try exchange(client, server)
        #expect(client.streams[id]?.status == 200)
        #expect(!server.wantsClose)
        client.goAway()
        try exchange(client, server)
        #expect(server.wantsClose)
    }

    @Test("graceful shutdown: notice, PING round trip, final GOAWAY; in-flight streams still answered")
    func gracefulShutdown() throws {
        let server = try makeServer()
        let client = TestClient()
        let inFlight = client.request("POST", "/slow", body: patternBytes(10_000), holdBody: true, sendFirst: 1_000)
        try exchange(client, server)
        server.beginGracefulShutdown()
        try exchange(client, server)
        #expect(client.goaways.map(\.lastStreamID) == [0x7FFF_FFFF, inFlight])
        #expect(client.goaways.allSatisfy { $0.error == 0 })
        #expect(!server.wantsClose)
        client.release(inFlight)
        try exchange(client, server)
        #expect(client.streams[inFlight]?.status == 200)
        #expect(client.streams[inFlight]?.body.count == 10_000)
        #expect(server.wantsClose)
    }

    @Test("graceful shutdown of an idle connection sends the final GOAWAY at once")
    func gracefulShutdownIdle() throws {
        let server = try makeServer()
        let client = TestClient()
        let earlier = client.request("GET", "/")
        try exchange(client, server)
        server.beginGracefulShutdown()
        #expect(!server.wantsClose)
        try exchange(client, server)
        #expect(client.goaways.count == 1)
        #expect(client.goaways.first?.lastStreamID == earlier)
        #expect(server.wantsClose)
    }
}
