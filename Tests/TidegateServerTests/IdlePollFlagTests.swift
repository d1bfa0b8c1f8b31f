import Foundation
import Testing

/// `--idle-poll` reaches the event loops: polls are counted on /metrics; on by default (200 µs at
/// most), off with 0.
@Suite("--idle-poll")
struct IdlePollFlagTests {
    @Test("served requests are followed by counted polls by default and with --idle-poll 250us; with 0: none",
          arguments: [([String](), true), (["--idle-poll", "0"], false), (["--idle-poll", "0s"], false),
                      (["--idle-poll", "250us"], true)])
    func pollsCountedOnMetrics(arguments: [String], polls: Bool) throws {
        let directory = try makeTemporaryDirectory("idle-poll")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let review = directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        let server = try BinaryServer(directory: directory, extraArguments: arguments)
        defer { server.kill() }
        let window = arguments.isEmpty ? 200 : arguments.last == "250us" ? 250 : 0
        #expect(server.command.stderrSoFar.contains(#""idle_poll":"\#(window)us""#))

        let load = try runCommand([
            "h2load", "--h1", "-n", "20", "-c", "1", "-m", "1", "-d", review, "-H", "content-type: application/json",
            "https://127.0.0.1:\(server.httpsPort)/validate",
        ])
        #expect(load.stdout.contains("20 succeeded"), "\(load.stdout)")

        let page = try server.metrics()
        let counted = ["event", "expired", "busy"].map {
            metricValue(#"tidegate_idle_polls_total{outcome="\#($0)"}"#, in: page)
        }.reduce(0, +)
        #expect(polls ? counted >= 1 : counted == 0, "\(page.split(separator: "\n").filter { $0.contains("idle_polls") })")
    }
}
