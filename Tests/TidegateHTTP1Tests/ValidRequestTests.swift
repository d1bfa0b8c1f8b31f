import Testing
import TidegateHTTP
@testable import TidegateHTTP1

struct ValidCase: CustomTestStringConvertible, Sendable {
    let name: String
    let raw: String
    let expected: [String]
    var testDescription: String { name }
}

let validCases: [ValidCase] = [
    ValidCase(name: "GET without body",
              raw: "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["GET /healthz body= keepAlive=true"]),
    ValidCase(name: "POST with Content-Length body",
              raw: "POST /validate?timeout=10s HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
              expected: ["POST /validate?timeout=10s body=hello keepAlive=true"]),
    ValidCase(name: "POST with chunked body, extensions and trailers",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "5;name=value\r\nhello\r\n1 ; x\r\n!\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n",
              expected: ["POST /v body=hello! keepAlive=true"]),
    ValidCase(name: "HTTP/1.0 closes by default",
              raw: "GET / HTTP/1.0\r\n\r\n",
              expected: ["GET / body= keepAlive=false"]),
    ValidCase(name: "HTTP/1.0 keeps alive when asked, without Host",
              raw: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
              expected: ["GET / body= keepAlive=true"]),
    ValidCase(name: "Connection close among other tokens ends keep-alive",
              raw: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, CLOSE\r\n\r\n",
              expected: ["GET / body= keepAlive=false"]),
    ValidCase(name: "leading empty lines before the request line are ignored",
              raw: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["GET / body= keepAlive=true"]),
    ValidCase(name: "absolute-form target is reduced to path and query",
              raw: "GET http://api.example:443/apis?watch=1 HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["GET /apis?watch=1 body= keepAlive=true"]),
    ValidCase(name: "absolute-form target without path becomes /",
              raw: "GET HTTPS://example HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["GET / body= keepAlive=true"]),
    ValidCase(name: "asterisk-form target for OPTIONS",
              raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["OPTIONS * body= keepAlive=true"]),
    ValidCase(name: "DELETE without length has an empty body",
              raw: "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["DELETE /x body= keepAlive=true"]),
    ValidCase(name: "POST with Content-Length 0",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
              expected: ["POST /v body= keepAlive=true"]),
    ValidCase(name: "chunked body with only the last chunk",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n000\r\n\r\n",
              expected: ["POST /v body= keepAlive=true"]),
    ValidCase(name: "chunk sizes in upper and lower case hex with leading zeros",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "0A\r\n0123456789\r\n00b\r\nabcdefghijk\r\n0\r\n\r\n",
              expected: ["POST /v body=0123456789abcdefghijk keepAlive=true"]),
    ValidCase(name: "chunk size with whitespace before its extension",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 ; a=\"b c\"\r\nabc\r\n0;last\r\n\r\n",
              expected: ["POST /v body=abc keepAlive=true"]),
    ValidCase(name: "chunk data containing CRLF and hex-looking bytes",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n",
              expected: ["POST /v body=\r\n0\r\n\r\n keepAlive=true"]),
    ValidCase(name: "pipelined requests come out in order",
              raw: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                  + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
                  + "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
              expected: ["GET /1 body= keepAlive=true", "POST /2 body=abc keepAlive=true",
                         "POST /3 body=z keepAlive=true", "GET /4 body= keepAlive=false"]),
    ValidCase(name: "bytes after a Connection close request are ignored",
              raw: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /again HTTP/1.1\r\nHost: a\r\n\r\n",
              expected: ["GET / body= keepAlive=false"]),
    ValidCase(name: "Expect 100-continue with a body asks for the interim response first",
              raw: "POST /v HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok",
              expected: ["100-continue", "POST /v body=ok keepAlive=true"]),
    ValidCase(name: "Expect 100-continue without a body needs no interim response",
              raw: "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
              expected: ["GET / body= keepAlive=true"]),
    ValidCase(name: "HTTP/1.0 expectations are ignored",
              raw: "POST / HTTP/1.0\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx",
              expected: ["POST / body=x keepAlive=false"]),
    ValidCase(name: "obs-text in a field value is accepted",
              raw: "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u{e9}\r\n\r\n",
              expected: ["GET / body= keepAlive=true"]),
]

@Suite struct ValidRequestTests {
    @Test(arguments: validCases)
    func parsesInOneFeed(_ c: ValidCase) {
        #expect(parse(c.raw).map(\.summary) == c.expected)
    }

    @Test(arguments: validCases)
    func parsesWhenSplitAtEveryByteBoundary(_ c: ValidCase) {
        let bytes = Array(c.raw.utf8)
        for split in 0...bytes.count {
            let got = parse(bytes, splitAt: split).map(\.summary)
            #expect(got == c.expected, "split at \(split)")
        }
    }

    @Test(arguments: validCases)
    func parsesOneByteAtATime(_ c: ValidCase) {
        #expect(parse(c.raw, chunk: 1).map(\.summary) == c.expected)
    }

    @Test func headersKeepArrivalOrderWithLowercasedNamesAndTrimmedValues() throws {
        let events = parse("GET / HTTP/1.1\r\nHost:  example.org \r\nX-A:\t1\r\nx-a: 2\r\nEmpty:\r\n\r\n")
        let request = try #require(events.first?.request)
        #expect(request.headers.fields.map(\.name) == ["host", "x-a", "x-a", "empty"])
        #expect(request.headers.fields.map(\.value) == ["example.org", "1", "2", ""])
        #expect(request.version == .http1_1)
    }

    @Test func bodyHoldsExactlyTheDeclaredBytes() throws {
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let raw = Array("POST /v HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n".utf8) + body
        for chunk in [0, 1, 1000, 65536] {
            let request = try #require(parse(raw, chunk: chunk).first?.request)
            #expect(request.body == body, "chunk \(chunk)")
        }
    }

    @Test func readPhaseFollowsTheRequestInProgress() {
        var parser = HTTP1Parser()
        #expect(!parser.isMidRequest)
        _ = feed(&parser, Array("GE".utf8))
        #expect(parser.isMidRequest)
        _ = feed(&parser, Array("T / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(parser.isMidRequest, "body still missing")
        let events = feed(&parser, Array("hi".utf8))
        #expect(events.count == 1)
        #expect(!parser.isMidRequest)
        #expect(!parser.isFinished)
        _ = feed(&parser, Array("\r\n".utf8))
        #expect(!parser.isMidRequest, "a CRLF after a body is not the start of a request")
        _ = feed(&parser, Array("\r".utf8))
        #expect(parser.isMidRequest)
    }

    @Test func declaredLengthIsNotReservedBeforeTheBytesArrive() {
        var parser = HTTP1Parser()
        _ = feed(&parser, Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3000000\r\n\r\n".utf8))
        #expect(parser.pending.body.capacity <= HTTP1Parser.initialBodyCapacity * 2)
    }

    @Test func unlimitedBodyWithAHugeDeclaredLengthDoesNotTrap() {
        var unlimited = HTTPLimits()
        unlimited.maxBodyBytes = Int.max
        var parser = HTTP1Parser(limits: unlimited)
        let events = feed(&parser, Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\nabc".utf8))
        #expect(events.isEmpty)
        #expect(parser.isMidRequest)
        #expect(parser.bufferedByteCount == 3)
    }
}

@Suite struct IncompleteRequestTests {
    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n",
    ])
    func truncatedRequestWaitsMidRequestWithoutEvents(_ raw: String) {
        var parser = HTTP1Parser()
        #expect(feed(&parser, Array(raw.utf8)).isEmpty)
        #expect(parser.isMidRequest)
        #expect(!parser.isFinished)
    }
}
