import Foundation
import Testing

/// Hostile requests through TLS: the server refuses each one the right way and keeps serving.
/// (Transport-level abuse — handshake garbage, idle floods, connection caps — is covered in
/// TidegateTransportTests; these go through the HTTP codecs and the webhook routes.)
@Suite("Abuse at the HTTP level")
struct AbuseTests {
    /// A raw TLS client in Python (verifying the dev CA): it writes exactly the bytes a mode calls for
    /// and prints what came back, so the test sees what a client that misbehaves on purpose sees.
    static let rawClient = """
        import socket, ssl, struct, sys, time
        port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        ctx = ssl.create_default_context(cafile=ca)
        ctx.set_alpn_protocols(["h2"] if mode.startswith("h2-") else ["http/1.1"])
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost")
        if mode == "many-headers":
            fields = "".join("X-Filler-%d: v\\r\\n" % i for i in range(10000))
            request = ("GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\n" + fields + "\\r\\n").encode()
        elif mode in ("half-body", "past-timeout"):
            target = "/validate?timeout=1s" if mode == "past-timeout" else "/validate"
            request = ("POST %s HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\nContent-Length: 5000\\r\\n\\r\\n" % target).encode() + b"{" * 100
        elif mode == "h2-violation":
            # Client preface, empty SETTINGS, then a DATA frame on stream 0 (a connection error).
            request = b"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" + struct.pack(">I", 0)[1:] + b"\\x04\\x00" + struct.pack(">I", 0)
            request += struct.pack(">I", 4)[1:] + b"\\x00\\x00" + struct.pack(">I", 0) + b"abcd"
        def h2_frame(kind, flags, stream, payload):
            return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload
        def hpack_literal(fields):  # literal fields without indexing, new names, no Huffman (all < 127 bytes)
            return b"".join(b"\\x00" + bytes([len(n)]) + n.encode() + bytes([len(v)]) + v.encode() for n, v in fields)
        if mode in ("h2-past-timeout", "h2-past-read-limit"):
            # Stream 1 sends 100 of its 5,000 body bytes and stops: past its own 1 s, or (asking
            # for 30 s) past the server's read limit.
            request = b"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" + h2_frame(4, 0, 0, b"")
            path = "/validate?timeout=1s" if mode == "h2-past-timeout" else "/validate?timeout=30s"
            request += h2_frame(1, 4, 1, hpack_literal([(":method", "POST"), (":scheme", "https"),
                (":path", path), (":authority", "localhost"),
                ("content-type", "application/json"), ("content-length", "5000")]))
            request += h2_frame(0, 0, 1, b"{" * 100)
            s.sendall(request)
            buffered, answered = b"", False
            while not answered:
                chunk = s.recv(65536)
                if not chunk:
                    print("connection closed")
                    sys.exit(0)
                buffered += chunk
                while len(buffered) >= 9 and len(buffered) >= 9 + int.from_bytes(buffered[:3], "big"):
                    length, kind = int.from_bytes(buffered[:3], "big"), buffered[3]
                    stream = int.from_bytes(buffered[5:9], "big") & 0x7FFFFFFF
                    payload, buffered = buffered[9:9 + length], buffered[9 + length:]
                    if kind == 3:
                        print("RST_STREAM stream=%d error=%d" % (stream, int.from_bytes(payload, "big")))
                        # Same connection, a new stream: it must still be served.
                        s.sendall(h2_frame(1, 5, 3, hpack_literal([(":method", "GET"), (":scheme", "https"),
                            (":path", "/healthz"), (":authority", "localhost")])))
                    elif kind == 1 and stream == 3:
                        print("HEADERS stream=3")
                        answered = True
                    elif kind == 7:
                        print("GOAWAY")
            sys.exit(0)
        if mode == "pipelined-slow":
            # Each request takes 0.65 s to arrive, under the 1 s read limit; the read that finishes
            # the first also begins the second, so the two together span 1.3 s.
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\n")
            time.sleep(0.65)
            s.sendall(b"\\r\\nGET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n")
            time.sleep(0.65)
            request = b"\\r\\n"
        if mode == "h2-partial-frame":
            # Preface, SETTINGS, then 5 of the 9 bytes of a PING's header, and nothing more.
            request = b"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" + h2_frame(4, 0, 0, b"") + h2_frame(6, 0, 0, b"\\x00" * 8)[:5]
        try:
            s.sendall(request)
        except OSError:
            pass  # the server may answer and close before reading everything; what it sent is still read
        if mode == "half-body":
            s.close()
            print("closed mid-body")
            sys.exit(0)
        received = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except OSError:
            pass
        if mode == "past-timeout":
            print("closed by the server" if received == b"" else "got %r" % received[:40])
        elif mode == "pipelined-slow":
            # Status lines, wherever they start (a body such as "ok\\n" need not end in CRLF).
            print(" | ".join("HTTP/1.1 " + part.split(b"\\r\\n")[0].decode() for part in received.split(b"HTTP/1.1 ")[1:]))
        elif mode in ("h2-violation", "h2-partial-frame"):
            offset = 0
            while offset + 9 <= len(received):
                length = int.from_bytes(received[offset:offset + 3], "big")
                kind = received[offset + 3]
                if kind == 7:
                    print("GOAWAY error=%d" % int.from_bytes(received[offset + 13:offset + 17], "big"))
                offset += 9 + length
        else:
            print(received.split(b"\\r\\n")[0].decode())
        """

    func raw(_ mode: String, _ server: InProcessServer) throws -> CommandResult {
        try runCommand(["python3", "-c", Self.rawClient, "\(server.httpsPort)", server.caFile, mode])
    }

    /// Proof the server is still healthy: a full review over each protocol.
    func stillServes(_ server: InProcessServer) throws {
        let review = server.directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        for version in HTTPVersion.allCases {
            let result = try postJSON(version, port: server.httpsPort, path: "/validate", bodyFile: review, caFile: server.caFile)
            #expect(result.status == 200, "the server stopped serving \(version): \(result.stderr)")
        }
    }

    @Test("10,000 header fields over HTTP/1.1 get 431 and the server keeps serving")
    func tenThousandHeaders() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let result = try raw("many-headers", server)
        #expect(result.stdout.hasPrefix("HTTP/1.1 431 "), "\(result.stdout) \(result.stderr)")
        try stillServes(server)
    }

    /// 10,000 fields cannot be sent over HTTP/2 by curl at all (libnghttp2 will not send a header block
    /// over 64 KiB), so over HTTP/2 the cases are the smallest requests over each header limit.
    static let headerCases: [(String, HTTPVersion)] = [
        ("200 fields", .http1), ("200 fields", .http2),
        ("40 KB of field values", .http1), ("40 KB of field values", .http2),
        ("10,000 fields", .http1),
    ]

    @Test("header sections over the limits get 431 from curl, which is still sending when the answer comes",
          arguments: headerCases)
    func headerLimits(shape: String, version: HTTPVersion) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let fieldsFile = server.directory + "/fields.txt"
        let fields: [String] =
            switch shape {
            case "200 fields": (1...200).map { "X-Filler-\($0): v" }
            case "10,000 fields": (1...10_000).map { "X-Filler-\($0): v" }
            default: ["X-Big-1: " + String(repeating: "a", count: 20_000), "X-Big-2: " + String(repeating: "b", count: 20_000)]
            }
        try writeFile(fieldsFile, fields.joined(separator: "\n") + "\n")
        let result = try curl([version.rawValue, "--cacert", server.caFile, "-H", "@\(fieldsFile)",
                               "https://localhost:\(server.httpsPort)/healthz"])
        #expect(result.status == 431, "\(result.stderr)")
        #expect(try result.json()["error"] != nil)
        try stillServes(server)
    }

    @Test("a client that sends half a body and closes leaves the server serving")
    func halfSentBody() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        for _ in 0..<5 {
            #expect(try raw("half-body", server).stdout.contains("closed mid-body"))
        }
        try stillServes(server)
        #expect(try server.metric(#"tidegate_http_requests_total{endpoint="validate",code="200"}"#) == 2,
                "an incomplete body must never reach the engine")
    }

    @Test("a body still missing when the request's ?timeout= passes: the server stops waiting and closes")
    func bodyPastTheRequestTimeout() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let result = try raw("past-timeout", server)
        #expect(result.stdout.contains("closed by the server"), "\(result.stdout) \(result.stderr)")
        // Closed by the request's own deadline (1 s), not the server's request-read limit (10 s).
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="request_deadline"}"#) == 1)
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="request_read"}"#) == 0)
        try stillServes(server)
    }

    @Test("pipelined HTTP/1.1: each request has the whole read limit from its own first byte, not what the previous one left")
    func pipelinedRequestsEachGetTheReadLimit() throws {
        let server = try InProcessServer(requestReadTimeout: .seconds(1))
        defer { server.stop() }
        let result = try raw("pipelined-slow", server)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "HTTP/1.1 200 OK | HTTP/1.1 200 OK",
                "\(result.stdout) \(result.stderr)")
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="request_read"}"#) == 0)
    }

    /// Which deadline an unfinished HTTP/2 stream runs into: its own `?timeout=1s`, or (asking for
    /// 30 s) the server's read limit, set to 1 s here.
    enum StreamDeadline: String, CaseIterable, CustomTestStringConvertible {
        case ownTimeout = "h2-past-timeout"
        case readLimit = "h2-past-read-limit"

        var testDescription: String { self == .ownTimeout ? "its own ?timeout=" : "the server's read limit" }
        var counted: String { self == .ownTimeout ? "request_deadline" : "request_read" }
        var other: String { self == .ownTimeout ? "request_read" : "request_deadline" }
    }

    @Test("HTTP/2: a body still missing at its stream's deadline: that stream is reset, the connection serves on",
          arguments: StreamDeadline.allCases)
    func http2BodyPastItsDeadline(_ deadline: StreamDeadline) throws {
        let server = try InProcessServer(requestReadTimeout: deadline == .readLimit ? .seconds(1) : nil)
        defer { server.stop() }
        let result = try raw(deadline.rawValue, server)
        #expect(result.stdout.contains("RST_STREAM stream=1 error=8"), "\(result.stdout) \(result.stderr)")  // CANCEL
        #expect(result.stdout.contains("HEADERS stream=3"), "\(result.stdout) \(result.stderr)")
        #expect(!result.stdout.contains("GOAWAY") && !result.stdout.contains("connection closed"))
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="\#(deadline.counted)"}"#) == 1)
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="\#(deadline.other)"}"#) == 0)
        #expect(try server.metric(#"tidegate_http_requests_total{endpoint="validate",code="200"}"#) == 0,
                "an incomplete body must never reach the engine")
        try stillServes(server)
    }

    @Test("HTTP/2: a frame that never finishes arriving ends the connection at the read limit (GOAWAY, then close)")
    func http2PartialFrame() throws {
        let server = try InProcessServer(requestReadTimeout: .seconds(1))
        defer { server.stop() }
        let result = try raw("h2-partial-frame", server)
        #expect(result.stdout.contains("GOAWAY error=0"), "\(result.stdout) \(result.stderr)")
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="request_read"}"#) == 1)
        #expect(try server.metric(#"tidegate_connection_timeouts_total{phase="idle"}"#) == 0)
        try stillServes(server)
    }

    @Test("JSON nested 100,000 deep is refused with 400 and a JSON error", arguments: ["open", "balanced"], HTTPVersion.allCases)
    func deepNesting(shape: String, version: HTTPVersion) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let body = server.directory + "/deep.json"
        let depth = 100_000
        try writeFile(body, String(repeating: "[", count: depth) + (shape == "balanced" ? String(repeating: "]", count: depth) : ""))
        let result = try postJSON(version, port: server.httpsPort, path: "/validate", bodyFile: body, caFile: server.caFile)
        #expect(result.status == 400)
        let error = try #require(try result.json()["error"] as? String)
        #expect(error.contains("nesting"), "\(error)")
        try stillServes(server)
    }

    @Test("an HTTP/2 DATA frame on stream 0 gets GOAWAY(PROTOCOL_ERROR) and the server keeps serving")
    func http2ProtocolViolation() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let result = try raw("h2-violation", server)
        #expect(result.stdout.contains("GOAWAY error=1"), "\(result.stdout) \(result.stderr)")
        try stillServes(server)
    }
}
