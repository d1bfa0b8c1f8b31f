import Foundation
import Testing

/// `--max-connections` (or TIDEGATE_MAX_CONNECTIONS) caps open connections on the admission port:
/// past it a new connection is closed at once, the open one keeps working, and the health port
/// (a cap of its own) still answers probes.
@Suite("--max-connections")
struct MaxConnectionsFlagTests {
    /// Opens one TLS connection and keeps it `hold` seconds, asking /healthz on it at the start
    /// (status line to stderr, so the test sees it at once) and at the end (to stdout).
    static let holdingClient = """
        import socket, ssl, sys, time
        port, ca, hold = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
        ctx = ssl.create_default_context(cafile=ca)
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost")
        def ask():
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n")
            reply = b""
            while b"\\r\\n\\r\\n" not in reply or not reply.endswith(b"\\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return reply.split(b"\\r\\n")[0].decode()
        print(ask(), file=sys.stderr, flush=True)
        time.sleep(hold)
        print(ask(), flush=True)
        """

    @Test("one allowed: a second connection is refused while the first is open and still served; after it, accepted",
          arguments: [("flag", ["--max-connections", "1"], [String: String]()), ("environment", [], ["TIDEGATE_MAX_CONNECTIONS": "1"])])
    func capped(source: String, arguments: [String], environment: [String: String]) throws {
        let directory = try makeTemporaryDirectory("max-connections")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BinaryServer(directory: directory, extraArguments: arguments, environment: environment)
        defer { server.kill() }
        #expect(server.command.stderrSoFar.contains(#""max_connections":1"#), "\(source)")

        let holder = try BackgroundCommand(["python3", "-c", Self.holdingClient, "\(server.httpsPort)", server.caFile, "4"])
        #expect(eventually(within: .seconds(10)) { holder.stderrSoFar.contains("HTTP/1.1 200 OK") })
        let refused = try curl(["--cacert", server.caFile, "https://localhost:\(server.httpsPort)/healthz"])
        #expect(refused.status == 0 && refused.exitCode != 0, "\(source): a second connection must not be served")
        // The health port has its own cap: probes still get through.
        #expect(try curl(["http://127.0.0.1:\(server.healthPort)/healthz"]).status == 200, "\(source)")
        let held = holder.wait()
        #expect(held.stdout.split(separator: "\n") == ["HTTP/1.1 200 OK"], "the open connection is still served: \(held.stdout) \(held.stderr)")
        #expect(eventually(within: .seconds(10)) {
            (try? curl(["--cacert", server.caFile, "https://localhost:\(server.httpsPort)/healthz"]))?.status == 200
        })
    }

    @Test("zero and non-numbers are refused at start, naming the flag or variable", arguments: [
        (["--max-connections", "0"], [String: String](), "--max-connections must be at least 1"),
        ([], ["TIDEGATE_MAX_CONNECTIONS": "many"], "TIDEGATE_MAX_CONNECTIONS must be a whole number"),
        ([], ["TIDEGATE_MAX_CONNECTIONS": "0"], "TIDEGATE_MAX_CONNECTIONS must be at least 1"),
        // Ignored before, so a typo silently left the default.
        ([], ["TIDEGATE_EVENT_LOOPS": "two"], "TIDEGATE_EVENT_LOOPS must be a whole number"),
        (["--event-loops", "0"], [:], "--event-loops must be at least 1"),
    ])
    func invalid(arguments: [String], environment: [String: String], message: String) throws {
        let result = try BinaryServer.refusedStart(arguments, environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
