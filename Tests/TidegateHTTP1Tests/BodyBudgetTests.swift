import Testing
@testable import TidegateHTTP
@testable import TidegateHTTP1

/// A `BodyBudget` caps the request-body bytes buffered across every connection sharing it; a
/// request that would pass it gets 503, and what a request held comes back however it ends.
@Suite("Server-wide body budget")
struct BodyBudgetTests {
    @Test("reservations grow up to the capacity and give everything back when they end")
    func reservations() {
        let budget = BodyBudget(capacity: 100)
        do {
            let a = BodyReservation(budget)
            #expect(a.cover(60))
            #expect(a.cover(40))  // already covered: nothing more taken
            let b = BodyReservation(budget)
            #expect(!b.cover(41), "60 + 41 > 100")
            #expect(b.cover(40))
            #expect(budget.bytesInUse == 100)
            #expect(!a.cover(61))
            #expect(budget.bytesInUse == 100, "a refused cover takes nothing")
        }
        #expect(budget.bytesInUse == 0)
    }

    static func limits(budget: BodyBudget) -> HTTPLimits {
        var limits = HTTPLimits()
        limits.bodyBudget = budget
        return limits
    }

    static func post(_ length: Int, chunked: Bool = false) -> [UInt8] {
        Array((chunked ? "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                       : "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(length)\r\n\r\n").utf8)
    }

    @Test("two connections: the second body past the shared budget is 503, and fits once the first is answered",
          arguments: [false, true])
    func shared(chunked: Bool) {
        let budget = BodyBudget(capacity: 100)
        var first = HTTP1Parser(limits: Self.limits(budget: budget))
        var second = HTTP1Parser(limits: Self.limits(budget: budget))
        let chunk: (Int) -> [UInt8] = { n in chunked ? Array("\(String(n, radix: 16))\r\n".utf8) + Array(repeating: 0x61, count: n) + Array("\r\n".utf8) : Array(repeating: 0x61, count: n) }
        #expect(feed(&first, Self.post(80, chunked: chunked) + chunk(70)).isEmpty)
        #expect(budget.bytesInUse == 70)
        #expect(feed(&second, Self.post(40, chunked: chunked) + chunk(40)).map(\.summary) == ["error 503"])
        #expect(second.isFinished && second.bufferedByteCount == 0)
        #expect(budget.bytesInUse == 70, "the refused request took nothing")
        let end = chunked ? chunk(10) + Array("0\r\n\r\n".utf8) : chunk(10)
        #expect(feed(&first, end).map(\.summary) == ["POST / body=\(String(repeating: "a", count: 80)) keepAlive=true"])
        #expect(budget.bytesInUse == 0, "answered: its bytes are back")
        var third = HTTP1Parser(limits: Self.limits(budget: budget))
        let whole = chunked ? chunk(40) + Array("0\r\n\r\n".utf8) : chunk(40)
        #expect(feed(&third, Self.post(40, chunked: chunked) + whole).map(\.summary)
                == ["POST / body=\(String(repeating: "a", count: 40)) keepAlive=true"])
        #expect(budget.bytesInUse == 0)
    }

    @Test("a connection that goes away mid-body gives its bytes back")
    func closedMidBody() {
        let budget = BodyBudget(capacity: 100)
        do {
            var parser = HTTP1Parser(limits: Self.limits(budget: budget))
            #expect(feed(&parser, Self.post(90) + Array(repeating: 0x61, count: 50)).isEmpty)
            #expect(budget.bytesInUse == 50)
        }
        #expect(budget.bytesInUse == 0)
    }

    @Test("the 503 reaches the peer as a response, and the connection closes")
    func answered() {
        var limits = Self.limits(budget: BodyBudget(capacity: 10))
        limits.maxBodyBytes = 100
        let (output, state, _) = converse(String(decoding: Self.post(20), as: UTF8.self) + String(repeating: "a", count: 20), limits: limits)
        #expect(statuses(output) == [503])
        #expect(state == .closeAfterFlush)
    }
}
