import Foundation
import Testing
import TidegateTransport

/// Server CPU per request under wrk (HTTP/1.1 keep-alive, fixed response), for comparison with nginx.
/// Opt-in (TIDEGATE_TRANSPORT_BENCH=1, ideally with `-c release`): it takes seconds and prints numbers.
@Suite("Throughput measurement", .serialized, .enabled(if: ProcessInfo.processInfo.environment["TIDEGATE_TRANSPORT_BENCH"] == "1"))
struct ThroughputMeasurement {
    @Test("wrk completes requests without errors; report server CPU per request", arguments: ["https", "http"])
    func measure(scheme: String) throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 2))
        defer { server.stop() }
        let port = scheme == "https" ? server.tlsPort : server.plainPort
        let before = processCPUSeconds()
        let result = try run(["wrk", "-t1", "-c16", "-d5s", "\(scheme)://127.0.0.1:\(port)/"], bound: 60)
        let cpu = processCPUSeconds() - before
        let requests = result.output.split(separator: "\n").first { $0.contains("requests in") }
            .flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        #expect(requests > 0, "\(result.output)")
        #expect(!result.output.contains("Socket errors"), "\(result.output)")
        print("transport \(scheme): \(requests) requests, \(requests / 5)/s, server CPU \(cpu * 1e6 / Double(max(requests, 1))) µs/request")
    }

    @Test("openssl s_time completes full TLS 1.3 handshakes; report server CPU per handshake")
    func measureHandshakes() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 2))
        defer { server.stop() }
        let before = processCPUSeconds()
        let result = try run(
            ["openssl", "s_time", "-connect", "127.0.0.1:\(server.tlsPort)", "-new", "-time", "5"], bound: 60)
        let cpu = processCPUSeconds() - before
        let handshakes = server.metrics.completedHandshakes
        #expect(handshakes > 0, "\(result.output)")
        print("transport TLS handshakes: \(handshakes), server CPU \(cpu * 1e6 / Double(max(handshakes, 1))) µs/handshake")
    }

    private func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
