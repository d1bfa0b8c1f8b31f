import Testing
import TidegateHTTP
@testable import TidegateHTTP1

@Suite struct ConnectionTests {
    @Test func answersAKeepAliveRequestAndStaysOpen() {
        let (output, state, connection) = converse("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(output == "HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nGET /a ")
        #expect(state == .open)
        #expect(connection.readPhase == .idle)
    }

    @Test func connectionCloseIsAnsweredWithCloseAndEndsTheConnection() {
        let (output, state, connection) = converse("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(output == "HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nGET /a ")
        #expect(state == .closeAfterFlush)
        #expect(connection.readPhase == .closed)
    }

    @Test func http10WithoutKeepAliveCloses() {
        let (output, state, _) = converse("GET /a HTTP/1.0\r\n\r\n")
        #expect(output.contains("\r\nconnection: close\r\n"))
        #expect(state == .closeAfterFlush)
    }

    @Test func http10KeepAliveIsConfirmedAndStaysOpen() {
        let (output, state, _) = converse("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(output == "HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: keep-alive\r\n\r\nGET /a ")
        #expect(state == .open)
    }

    @Test func handlerAskingToCloseClosesTheConnection() {
        let (output, state, _) = converse("GET /close HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(output == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nbye")
        #expect(state == .closeAfterFlush)
    }

    @Test func headGetsHeadersWithTheLengthButNoBody() {
        let (output, state, _) = converse("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(output == "HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n"
            + "HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nGET /b ")
        #expect(state == .open)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhateverTheSplit() {
        let raw = "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
            + "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nBC\r\n0\r\n\r\n"
        let expected = "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nPOST /1 A"
            + "HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nGET /2 "
            + "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nPOST /3 BC"
        for chunk in [0, 1, 2, 3, 17, 64] {
            let (output, state, connection) = converse(raw, chunk: chunk)
            #expect(output == expected, "chunk \(chunk)")
            #expect(state == .open)
            #expect(connection.readPhase == .idle)
        }
    }

    @Test func continueIsWrittenBeforeTheBodyArrivesThenTheAnswer() {
        var connection = HTTP1Connection()
        var output: [UInt8] = []
        let head = Array("POST /v HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".utf8)
        let state = head.withUnsafeBytes { connection.receive($0, responder: EchoResponder(), output: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(state == .open)
        #expect(connection.readPhase == .midRequest)
        output.removeAll()
        _ = Array("data".utf8).withUnsafeBytes { connection.receive($0, responder: EchoResponder(), output: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nPOST /v data")
        #expect(connection.readPhase == .idle)
    }

    @Test func continueForAChunkedBody() {
        let raw = "POST /v HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
        let (output, _, _) = converse(raw)
        #expect(statuses(output) == [100, 200])
    }

    @Test func oversizedBodyWithExpectGets413AndNoContinue() {
        let raw = "POST /v HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n"
        let (output, state, _) = converse(raw, limits: limits(body: 99))
        #expect(statuses(output) == [413])
        #expect(state == .closeAfterFlush)
    }

    @Test func unknownExpectationGets417() {
        let raw = "POST /v HTTP/1.1\r\nHost: x\r\nExpect: 200-maybe\r\nContent-Length: 1\r\n\r\n"
        let (output, state, _) = converse(raw)
        #expect(statuses(output) == [417])
        #expect(state == .closeAfterFlush)
    }

    @Test func readTimeoutMidRequestAnswers408() {
        var connection = HTTP1Connection()
        var output: [UInt8] = []
        _ = Array("GET / HTTP/1.1\r\nHo".utf8).withUnsafeBytes {
            connection.receive($0, responder: EchoResponder(), output: &output)
        }
        #expect(connection.readPhase == .midRequest)
        #expect(connection.readTimedOut(output: &output) == .closeAfterFlush)
        #expect(statuses(String(decoding: output, as: UTF8.self)) == [408])
        #expect(connection.readPhase == .closed)
    }

    @Test func readTimeoutWhenIdleClosesSilently() {
        var connection = HTTP1Connection()
        var output: [UInt8] = []
        #expect(connection.readTimedOut(output: &output) == .closeAfterFlush)
        #expect(output.isEmpty)
    }

    @Test func inputAfterClosingIsIgnored() {
        var (_, _, connection) = converse("GET / HTTP/1.1\r\n\r\n")
        var output: [UInt8] = []
        let state = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8).withUnsafeBytes {
            connection.receive($0, responder: EchoResponder(), output: &output)
        }
        #expect(state == .closeAfterFlush)
        #expect(output.isEmpty)
    }
}

@Suite struct ResponseEncoderTests {
    private func encode(_ response: HTTPResponse, head: Bool = false,
                        _ persistence: HTTP1ResponseEncoder.Persistence = .keepAlive) -> String {
        var out: [UInt8] = []
        HTTP1ResponseEncoder.encode(response, headRequest: head, persistence: persistence, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func handlerFramingFieldsAreReplaced() {
        var h = HTTPHeaders()
        h.add(name: "Content-Length", value: "999")
        h.add(name: "Transfer-Encoding", value: "chunked")
        h.add(name: "Connection", value: "keep-alive")
        h.add(name: "X-Kept", value: "yes")
        #expect(encode(HTTPResponse(status: 200, headers: h, body: [0x41]), .close)
            == "HTTP/1.1 200 OK\r\nx-kept: yes\r\ncontent-length: 1\r\nconnection: close\r\n\r\nA")
    }

    @Test func fieldsThatWouldSplitTheResponseAreDropped() {
        var h = HTTPHeaders()
        h.add(name: "X-Evil", value: "a\r\nSet-Cookie: b")
        #expect(encode(HTTPResponse(status: 200, headers: h)) == "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
    }

    @Test func noContentHasNoLengthAndNoBody() {
        #expect(encode(HTTPResponse(status: 204, body: [1, 2])) == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test func headKeepsAHandlerDeclaredLengthForAnEmptyBody() {
        var h = HTTPHeaders()
        h.add(name: "content-length", value: "42")
        #expect(encode(HTTPResponse(status: 200, headers: h), head: true)
            == "HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n")
    }

    @Test func largeLengthsAndOddStatusesAreWrittenCorrectly() {
        let body = [UInt8](repeating: 0x20, count: 1_234_567)
        #expect(encode(HTTPResponse(status: 299, body: body), head: true)
            == "HTTP/1.1 299 Status 299\r\ncontent-length: 1234567\r\n\r\n")
        #expect(encode(HTTPResponse(status: 42)).hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
    }

    @Test func errorsUseTheJSONShape() {
        var out: [UInt8] = []
        HTTP1ResponseEncoder.encode(HTTP1Error(status: 400, reason: "bad \"thing\""), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            + "content-length: 26\r\nconnection: close\r\n\r\n{\"error\":\"bad \\\"thing\\\"\"}\n")
    }
}
