import Testing
import TidegateHTTP
@testable import TidegateHTTP1

struct RejectCase: CustomTestStringConvertible, Sendable {
    let name: String
    let raw: String
    let status: Int
    var testDescription: String { name }
}

private let host = "Host: a\r\n"

let rejectCases: [RejectCase] = [
    // Framing conflicts (request smuggling).
    RejectCase(name: "Content-Length with Transfer-Encoding",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400),
    RejectCase(name: "Transfer-Encoding before Content-Length",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", status: 400),
    RejectCase(name: "two differing Content-Length fields",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 400),
    RejectCase(name: "two identical Content-Length fields (documented choice: reject)",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 400),
    RejectCase(name: "Content-Length as a list",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 3, 3\r\n\r\nabc", status: 400),
    RejectCase(name: "signed Content-Length",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: +3\r\n\r\nabc", status: 400),
    RejectCase(name: "hex Content-Length",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length: 0x3\r\n\r\nabc", status: 400),
    RejectCase(name: "empty Content-Length",
               raw: "POST / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n", status: 400),
    RejectCase(name: "Transfer-Encoding gzip",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n", status: 501),
    RejectCase(name: "Transfer-Encoding gzip, chunked",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n", status: 501),
    RejectCase(name: "Transfer-Encoding chunked twice",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", status: 501),
    RejectCase(name: "Transfer-Encoding with a trailing comma",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked,\r\n\r\n", status: 501),
    RejectCase(name: "Transfer-Encoding in HTTP/1.0",
               raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
    // Line syntax.
    RejectCase(name: "bare LF ending the request line",
               raw: "GET / HTTP/1.1\n\(host)\r\n", status: 400),
    RejectCase(name: "bare LF ending a field line",
               raw: "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", status: 400),
    RejectCase(name: "bare LF ending the header section",
               raw: "GET / HTTP/1.1\r\n\(host)\n", status: 400),
    RejectCase(name: "bare CR inside a field value",
               raw: "GET / HTTP/1.1\r\n\(host)X: a\rb\r\n\r\n", status: 400),
    RejectCase(name: "obsolete line folding",
               raw: "GET / HTTP/1.1\r\n\(host)X: a\r\n b\r\n\r\n", status: 400),
    RejectCase(name: "whitespace before the first field line",
               raw: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status: 400),
    RejectCase(name: "whitespace between field name and colon",
               raw: "GET / HTTP/1.1\r\n\(host)Content-Length : 0\r\n\r\n", status: 400),
    RejectCase(name: "field line without a colon",
               raw: "GET / HTTP/1.1\r\n\(host)NoColon\r\n\r\n", status: 400),
    RejectCase(name: "empty field name",
               raw: "GET / HTTP/1.1\r\n\(host): value\r\n\r\n", status: 400),
    RejectCase(name: "non-token character in a field name",
               raw: "GET / HTTP/1.1\r\n\(host)X(y): 1\r\n\r\n", status: 400),
    RejectCase(name: "NUL in a field value",
               raw: "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n", status: 400),
    RejectCase(name: "DEL in a field value",
               raw: "GET / HTTP/1.1\r\n\(host)X: a\u{7f}b\r\n\r\n", status: 400),
    // Request line.
    RejectCase(name: "non-token character in the method",
               raw: "GE(T / HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "empty method",
               raw: " / HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "two spaces after the method",
               raw: "GET  / HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "space inside the target",
               raw: "GET /a b HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "non-ASCII byte in the target",
               raw: "GET /caf\u{e9} HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "missing version",
               raw: "GET /\r\n\(host)\r\n", status: 400),
    RejectCase(name: "lowercase version",
               raw: "GET / http/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "trailing space after the version",
               raw: "GET / HTTP/1.1 \r\n\(host)\r\n", status: 400),
    RejectCase(name: "HTTP/2.0 over HTTP/1 framing",
               raw: "GET / HTTP/2.0\r\n\(host)\r\n", status: 505),
    RejectCase(name: "HTTP/0.9 style version",
               raw: "GET / HTTP/0.9\r\n\(host)\r\n", status: 505),
    RejectCase(name: "HTTP/1.2",
               raw: "GET / HTTP/1.2\r\n\(host)\r\n", status: 505),
    RejectCase(name: "relative target not starting with /",
               raw: "GET index.html HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "asterisk-form target with GET",
               raw: "GET * HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "authority-form target",
               raw: "CONNECT example.org:443 HTTP/1.1\r\n\(host)\r\n", status: 400),
    RejectCase(name: "absolute-form target without authority",
               raw: "GET http:///x HTTP/1.1\r\n\(host)\r\n", status: 400),
    // Semantics.
    RejectCase(name: "HTTP/1.1 without Host",
               raw: "GET / HTTP/1.1\r\n\r\n", status: 400),
    RejectCase(name: "two Host fields",
               raw: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
    RejectCase(name: "POST without length",
               raw: "POST /v HTTP/1.1\r\n\(host)\r\nbody", status: 411),
    RejectCase(name: "PUT without length",
               raw: "PUT /v HTTP/1.1\r\n\(host)\r\n", status: 411),
    RejectCase(name: "PATCH without length in HTTP/1.0",
               raw: "PATCH /v HTTP/1.0\r\n\r\n", status: 411),
    RejectCase(name: "unknown expectation",
               raw: "POST / HTTP/1.1\r\n\(host)Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx", status: 417),
    // Chunked syntax.
    RejectCase(name: "chunk size that is not hex",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400),
    RejectCase(name: "negative chunk size",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n-1\r\n", status: 400),
    RejectCase(name: "chunk size overflowing 64 bits",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n", status: 400),
    RejectCase(name: "chunk size wrapping to a small value",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n",
               status: 400),
    RejectCase(name: "chunk data longer than its size",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", status: 400),
    RejectCase(name: "chunk data followed by a bare LF",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n2\r\nab\n0\r\n\r\n", status: 400),
    RejectCase(name: "chunk size line with a bare LF",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", status: 400),
    RejectCase(name: "control character in a chunk extension",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n2;a\u{1}\r\nab\r\n0\r\n\r\n", status: 400),
    RejectCase(name: "empty chunk size line",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n\r\n", status: 400),
    RejectCase(name: "chunk size with a 0x prefix",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n", status: 400),
    RejectCase(name: "folded trailer field",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n", status: 400),
    RejectCase(name: "malformed trailer field",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", status: 400),
    RejectCase(name: "chunk extension longer than 4 KiB",
               raw: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5000) + "\r\n",
               status: 400),
]

@Suite struct RejectionTests {
    @Test(arguments: rejectCases)
    func rejectedWithStatus(_ c: RejectCase) {
        let events = parse(c.raw)
        #expect(events.map(\.summary) == ["error \(c.status)"])
    }

    @Test(arguments: rejectCases)
    func rejectedTheSameWayOneByteAtATime(_ c: RejectCase) {
        #expect(parse(c.raw, chunk: 1).map(\.summary) == ["error \(c.status)"])
    }

    @Test(arguments: rejectCases)
    func connectionAnswersWithJSONErrorAndCloses(_ c: RejectCase) {
        let (output, state, connection) = converse(c.raw)
        #expect(state == .closeAfterFlush)
        #expect(connection.readPhase == .closed)
        #expect(output.hasPrefix("HTTP/1.1 \(c.status) \(httpReasonPhrase(c.status))\r\n"))
        #expect(output.contains("\r\nconnection: close\r\n"))
        #expect(output.contains("\r\ncontent-type: application/json\r\n"))
        #expect(output.hasSuffix("\"}\n"))
    }

    @Test func bytesAfterAnErrorAreIgnored() {
        var parser = HTTP1Parser()
        let first = feed(&parser, Array("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n".utf8))
        #expect(first.map(\.summary) == ["error 400"])
        #expect(parser.isFinished)
        #expect(feed(&parser, Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)).isEmpty)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func errorFollowsEarlierPipelinedRequests() {
        let raw = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(raw).map(\.summary) == ["GET /ok body= keepAlive=true", "error 400"])
        let (output, state, _) = converse(raw)
        #expect(statuses(output) == [200, 400])
        #expect(state == .closeAfterFlush)
    }
}
