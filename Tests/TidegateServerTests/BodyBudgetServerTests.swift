import Foundation
import Testing

/// The server-wide body budget over real TLS connections: a client holding most of it makes
/// another request get 503 until it finishes; `/metrics` shows the bytes held.
@Suite("Body budget across connections")
struct BodyBudgetServerTests {
    /// Sends the head and the first `held` bytes of `body`, waits, sends the rest, and prints the
    /// status line it gets back.
    static let holdingClient = """
        import socket, ssl, sys, time
        port, ca, path, held, wait = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
        body = open(path, "rb").read()
        ctx = ssl.create_default_context(cafile=ca)
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost")
        s.sendall(("POST /validate HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\n"
                   "Content-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % len(body)).encode() + body[:held])
        time.sleep(wait)
        s.sendall(body[held:])
        received = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
        print(received.split(b"\\r\\n")[0].decode())
        """

    /// pod-small's review followed by spaces up to `size` bytes: still one valid JSON document.
    static func paddedReview(_ size: Int) throws -> [UInt8] {
        let review = try Paths.payloadBytes("pod-small.json")
        return review + [UInt8](repeating: 0x20, count: size - review.count)
    }

    @Test("while one connection holds nearly all of the budget another's review gets 503; both go through once it is done")
    func heldBudget() throws {
        let server = try InProcessServer(bodyBudgetBytes: 1 << 20, maxBodyBytes: 1 << 20)
        defer { server.stop() }
        let large = server.directory + "/large.json", other = server.directory + "/other.json"
        // The refused review is small enough for curl to have sent all of it when the 503
        // comes, so over HTTP/2 the answer is not raced by the stream's reset.
        try writeFile(large, try Self.paddedReview(1_040_000))
        try writeFile(other, try Self.paddedReview(20_000))
        let holder = try BackgroundCommand(
            ["python3", "-c", Self.holdingClient, "\(server.httpsPort)", server.caFile, large, "1030000", "6"])
        let gauge = "tidegate_request_body_in_flight_bytes"
        #expect(eventually(within: .seconds(10)) { (try? server.metric(gauge)) == 1_030_000 })

        let refused = try postJSON(.http1, port: server.httpsPort, path: "/validate", bodyFile: other, caFile: server.caFile)
        #expect(refused.status == 503, "\(refused.stderr)")
        #expect(try refused.json()["error"] != nil)
        let refusedH2 = try postJSON(.http2, port: server.httpsPort, path: "/validate", bodyFile: other, caFile: server.caFile)
        #expect(refusedH2.status == 503, "\(refusedH2.stderr)")

        let held = holder.wait()
        #expect(held.stdout.hasPrefix("HTTP/1.1 200 "), "\(held.stdout) \(held.stderr)")
        #expect(try server.metric(gauge) == 0)
        for version in HTTPVersion.allCases {
            let result = try postJSON(version, port: server.httpsPort, path: "/validate", bodyFile: other, caFile: server.caFile)
            #expect(result.status == 200, "\(version): \(result.stderr)")
        }
        #expect(try server.metric(gauge) == 0)
    }

    @Test("a budget smaller than the largest allowed body is raised to it, so such a body is never refused forever")
    func budgetCoversOneBody() throws {
        let server = try InProcessServer(bodyBudgetBytes: 1 << 20, maxBodyBytes: 2 << 20)
        defer { server.stop() }
        let review = server.directory + "/review.json"
        try writeFile(review, try Self.paddedReview(1_500_000))
        let result = try postJSON(.http1, port: server.httpsPort, path: "/validate", bodyFile: review, caFile: server.caFile)
        #expect(result.status == 200, "\(result.stderr)")
    }
}
