import Foundation
import Testing

/// The plain-HTTP health port (kubelet probes, scrapers) and the same endpoints over TLS.
@Suite("Health, readiness and metrics")
struct HealthPortTests {
    /// How each port is reached: the plain health port with plain curl, the admission port with
    /// curl over TLS (trusting the dev CA only) with either protocol.
    enum Port: String, CaseIterable, Sendable, CustomStringConvertible {
        case health = "plain health port"
        case httpsHTTP1 = "TLS port over HTTP/1.1"
        case httpsHTTP2 = "TLS port over HTTP/2"
        var description: String { rawValue }

        func get(_ path: String, on server: InProcessServer) throws -> CurlResult {
            switch self {
            case .health: try curl(["http://127.0.0.1:\(server.healthPort)\(path)"])
            case .httpsHTTP1: try curl(["--http1.1", "--cacert", server.caFile, "https://localhost:\(server.httpsPort)\(path)"])
            case .httpsHTTP2: try curl(["--http2", "--cacert", server.caFile, "https://localhost:\(server.httpsPort)\(path)"])
            }
        }
    }

    @Test("healthz and readyz are 200 while serving; readyz turns 503 once draining begins, healthz stays 200",
          arguments: Port.allCases)
    func readinessFollowsDraining(port: Port) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        #expect(try port.get("/healthz", on: server).status == 200)
        #expect(try port.get("/readyz", on: server).status == 200)

        server.server.service.beginDraining()

        let ready = try port.get("/readyz", on: server)
        #expect(ready.status == 503)
        #expect(ready.text.contains("draining"))
        #expect(try port.get("/healthz", on: server).status == 200, "liveness must not fail during a drain")
    }

    @Test("metrics count requests by endpoint and status code and export the latency histogram")
    func metricsCountRequests() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let review = server.directory + "/review.json"
        let malformed = server.directory + "/malformed.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        try writeFile(malformed, "{\"apiVersion\":")
        let port = server.httpsPort, ca = server.caFile
        #expect(try postJSON(.http1, port: port, path: "/validate", bodyFile: review, caFile: ca).status == 200)
        #expect(try postJSON(.http2, port: port, path: "/validate", bodyFile: review, caFile: ca).status == 200)
        #expect(try postJSON(.http2, port: port, path: "/mutate", bodyFile: review, caFile: ca).status == 200)
        #expect(try postJSON(.http1, port: port, path: "/validate", bodyFile: review, caFile: ca, contentType: "text/plain").status == 415)
        #expect(try postJSON(.http1, port: port, path: "/mutate", bodyFile: malformed, caFile: ca).status == 400)

        let page = try server.metrics()
        let expected: [(String, Double)] = [
            (#"tidegate_http_requests_total{endpoint="validate",code="200"}"#, 2),
            (#"tidegate_http_requests_total{endpoint="mutate",code="200"}"#, 1),
            (#"tidegate_http_requests_total{endpoint="validate",code="415"}"#, 1),
            (#"tidegate_http_requests_total{endpoint="mutate",code="400"}"#, 1),
            (#"tidegate_admission_decisions_total{endpoint="validate",allowed="false"}"#, 2),
            (#"tidegate_admission_decisions_total{endpoint="mutate",allowed="true"}"#, 1),
            // Latency covers answered reviews only: refused bodies never reach the engine.
            (#"tidegate_request_duration_seconds_count{endpoint="validate"}"#, 2),
            (#"tidegate_request_duration_seconds_bucket{endpoint="validate",le="+Inf"}"#, 2),
            (#"tidegate_request_duration_seconds_count{endpoint="mutate"}"#, 1),
        ]
        for (sample, value) in expected {
            #expect(metricValue(sample, in: page) == value, "\(sample)")
        }
        #expect(page.contains("# TYPE tidegate_request_duration_seconds histogram"))
        #expect(page.contains(#"tidegate_request_duration_seconds_bucket{endpoint="validate",le="0.001"}"#))
        #expect(metricValue(#"tidegate_request_duration_seconds_sum{endpoint="validate"}"#, in: page) > 0)
        // Counters only ever come from admission endpoints: probes and scrapes are not counted.
        #expect(!page.contains(#"endpoint="metrics""#) && !page.contains(#"endpoint="healthz""#))
    }

    /// The plain port has no admission routes at all: a review sent there in clear text must not be
    /// evaluated (the apiserver only ever calls the TLS port), so the path is unknown (404), whatever
    /// the method, and no decision is counted.
    @Test("admission endpoints are not served on the plain health port (404, nothing evaluated)",
          arguments: ["/validate", "/mutate"], ["POST", "GET"])
    func admissionNotOnHealthPort(path: String, method: String) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let review = server.directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        var arguments = ["-X", method]
        if method == "POST" { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(review)"] }
        let result = try curl(arguments + ["http://127.0.0.1:\(server.healthPort)\(path)"])
        #expect(result.status == 404)
        #expect(try result.json()["error"] != nil)
        #expect(try result.json()["response"] == nil)
        #expect(!(try server.metrics()).contains("tidegate_admission_decisions_total{"))
    }

    @Test("the health port speaks plain HTTP only: a TLS handshake there fails")
    func healthPortIsNotTLS() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let result = try curl(["--cacert", server.caFile, "https://localhost:\(server.healthPort)/healthz"])
        #expect(result.exitCode != 0)
        #expect(result.status == 0)
        #expect(try curl(["http://127.0.0.1:\(server.healthPort)/healthz"]).status == 200)
    }

    @Test("metrics export the transport's open connections and failed TLS handshakes by reason")
    func transportMetricsExported() throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let open = "tidegate_open_connections"
        // The scrape's own connection is the only one open.
        #expect(try eventually { try server.metric(open) == 1 })

        // Holds one plain connection open for as long as the marker file exists.
        let marker = server.directory + "/hold"
        try writeFile(marker, "")
        let idle = try BackgroundCommand(["python3", "-c", """
            import os, socket, time
            s = socket.create_connection(("127.0.0.1", \(server.healthPort)))
            deadline = time.time() + 60
            while os.path.exists("\(marker)") and time.time() < deadline:
                time.sleep(0.02)
            """], bound: 90)
        #expect(try eventually { try server.metric(open) == 2 }, "an idle client connection is not counted")
        try FileManager.default.removeItem(atPath: marker)
        _ = idle.wait()
        #expect(try eventually { try server.metric(open) == 1 })

        // Plain HTTP sent to the TLS port fails the handshake.
        let plain = try curl(["http://127.0.0.1:\(server.httpsPort)/healthz"])
        #expect(plain.status != 200)
        #expect(try eventually { try server.metric(#"tidegate_tls_handshake_failures_total{reason="http_request"}"#) == 1 },
                "\((try? server.metrics()) ?? "")")
    }
}
