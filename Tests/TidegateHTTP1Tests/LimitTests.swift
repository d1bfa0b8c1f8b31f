import Testing
import TidegateHTTP
@testable import TidegateHTTP1

@Suite struct LimitTests {
    @Test func declaredContentLengthOverTheLimitIs413BeforeAnyBodyByte() {
        var parser = HTTP1Parser(limits: limits(body: 10))
        let events = feed(&parser, Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n".utf8))
        #expect(events.map(\.summary) == ["error 413"])
        #expect(parser.isFinished)
        #expect(feed(&parser, Array(repeating: 0x61, count: 11)).isEmpty, "the body is not read")
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func contentLengthAtTheLimitIsAccepted() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"
        #expect(parse(raw, limits: limits(body: 10)).map(\.summary) == ["POST / body=0123456789 keepAlive=true"])
    }

    @Test func hugeContentLengthIs413NotAnOverflow() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999999\r\n\r\n"
        #expect(parse(raw).map(\.summary) == ["error 413"])
    }

    @Test func defaultBodyLimitIsThreeMebibytes() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(3 * 1024 * 1024 + 1)\r\n\r\n"
        #expect(parse(raw).map(\.summary) == ["error 413"])
    }

    @Test func chunkedBodyIs413AsSoonAsADeclaredChunkPassesTheLimit() {
        var parser = HTTP1Parser(limits: limits(body: 10))
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"
        #expect(feed(&parser, Array(head.utf8)).isEmpty)
        let events = feed(&parser, Array("5\r\n".utf8))
        #expect(events.map(\.summary) == ["error 413"], "6 + 5 > 10, refused before the data")
    }

    @Test func chunkedBodyExactlyAtTheLimitIsAccepted() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n"
        #expect(parse(raw, limits: limits(body: 10)).map(\.summary) == ["POST / body=abcdefghij keepAlive=true"])
    }

    @Test func expectContinueWithOversizedBodyGets413InsteadOf100() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n"
        #expect(parse(raw, limits: limits(body: 10)).map(\.summary) == ["error 413"])
    }

    @Test func moreFieldsThanAllowedIs431() {
        let fields = (0..<4).map { "X-\($0): v\r\n" }.joined()
        let raw = "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"
        #expect(parse(raw, limits: limits(headerCount: 5)).map(\.summary) == ["GET / body= keepAlive=true"])
        #expect(parse(raw + "", limits: limits(headerCount: 4)).map(\.summary) == ["error 431"])
    }

    @Test func trailersCountTowardsTheFieldLimit() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT1: a\r\nT2: b\r\n\r\n"
        #expect(parse(raw, limits: limits(headerCount: 4)).map(\.summary) == ["POST / body= keepAlive=true"])
        #expect(parse(raw, limits: limits(headerCount: 3)).map(\.summary) == ["error 431"])
    }

    @Test func headerSectionOverTheByteLimitIs431() {
        let raw = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 200) + "\r\n\r\n"
        let size = raw.utf8.count
        #expect(parse(raw, limits: limits(headerBytes: size)).map(\.summary) == ["GET / body= keepAlive=true"])
        #expect(parse(raw, limits: limits(headerBytes: size - 1)).map(\.summary) == ["error 431"])
        #expect(parse(raw, chunk: 1, limits: limits(headerBytes: size - 1)).map(\.summary) == ["error 431"])
    }

    @Test func oversizedTrailersAre431() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: "
            + String(repeating: "t", count: 300) + "\r\n\r\n"
        #expect(parse(raw, limits: limits(headerBytes: 200)).map(\.summary) == ["error 431"])
    }

    @Test func requestLineOver8KiBIs414() {
        let raw = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(raw).map(\.summary) == ["error 414"])
        #expect(parse(raw, chunk: 7).map(\.summary) == ["error 414"])
    }

    @Test func requestLineOverASmallerHeaderBudgetIs431() {
        let raw = "GET /" + String(repeating: "a", count: 2000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(raw, limits: limits(headerBytes: 1024)).map(\.summary) == ["error 431"])
    }

    @Test func endlessEmptyLinesBeforeARequestEndIn431() {
        let raw = String(repeating: "\r\n", count: 20_000)
        #expect(parse(raw).map(\.summary) == ["error 431"])
    }

    /// 10,000 fields: the parser must answer 431 once the count limit is passed and must not
    /// keep buffering the rest of what the peer sends.
    @Test func tenThousandHeadersGive431WithBoundedBuffering() {
        var parser = HTTP1Parser()
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)
        var events = feed(&parser, head)
        var maxBuffered = 0
        var fed = 0
        for i in 0..<10_000 where !parser.isFinished {
            events += feed(&parser, Array("X-Field-\(i): some value\r\n".utf8), chunk: 5)
            maxBuffered = max(maxBuffered, parser.bufferedByteCount)
            fed = i + 1
        }
        #expect(events.map(\.summary) == ["error 431"])
        #expect(fed == HTTPLimits().maxHeaderCount, "stopped at the first field past the limit")
        #expect(maxBuffered < 64)
        #expect(feed(&parser, Array("X: y\r\n\r\n".utf8)).isEmpty)
    }

    @Test func tenThousandHeadersInOneBufferGive431() {
        let fields = (0..<10_000).map { "X-Field-\($0): some value\r\n" }.joined()
        let raw = "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"
        #expect(parse(raw).map(\.summary) == ["error 431"])
    }

    @Test func aLongUnterminatedLineIsNotBufferedPastTheLimit() {
        var parser = HTTP1Parser(limits: limits(headerBytes: 1024))
        _ = feed(&parser, Array("GET / HTTP/1.1\r\nX: ".utf8))
        var events: [HTTP1Event] = []
        for _ in 0..<1000 where !parser.isFinished {
            events += feed(&parser, Array(repeating: 0x61, count: 100))
            #expect(parser.bufferedByteCount <= 1024)
        }
        #expect(events.map(\.summary) == ["error 431"])
    }
}
