import Foundation
import Testing
import TidegateServer
import TidegateTransport

/// `--idle-poll` reaches the event loops: polls are counted on /metrics; on by default (200 µs at
/// most) unless a CPU limit binds, off with 0.
@Suite("--idle-poll")
struct IdlePollFlagTests {
    /// Where the process's CPU quota binds, the default is no polling (see the next test).
    static let pollsByDefault = !CPUBudget.current().quotaBinds

    @Test("served requests are followed by counted polls by default and with --idle-poll 250us; with 0: none",
          arguments: [([String](), pollsByDefault), (["--idle-poll", "0"], false), (["--idle-poll", "0s"], false),
                      (["--idle-poll", "250us"], true)])
    func pollsCountedOnMetrics(arguments: [String], polls: Bool) throws {
        let directory = try makeTemporaryDirectory("idle-poll")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let review = directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        let server = try BinaryServer(directory: directory, extraArguments: arguments)
        defer { server.kill() }
        let window = arguments.isEmpty ? (Self.pollsByDefault ? 200 : 0) : arguments.last == "250us" ? 250 : 0
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

    @Test("the default window: 200 µs, none when the CPU quota binds (fewer CPUs of quota than CPUs to run on)", arguments: [
        (16, nil, 200),
        (16, (50_000, 100_000), 0),         // 500m on a 16-core node
        (16, (1_500_000, 100_000), 0),      // 15 of 16
        (2, (200_000, 100_000), 200),       // exactly the CPUs it has: the quota never throttles first
        (2, (400_000, 100_000), 200),
        (1, (100_000, 100_000), 200),
    ] as [(Int, (Int64, Int64)?, Int)])
    func defaultWindow(cpus: Int, limit: (quota: Int64, period: Int64)?, microseconds: Int) {
        let budget = CPUBudget(
            allowedCPUs: cpus, limit: limit.map { CgroupCPULimit(quota: $0.quota, period: $0.period, source: "test") })
        #expect(ServerConfiguration.defaultIdlePoll(budget) == .microseconds(microseconds))
    }
}
