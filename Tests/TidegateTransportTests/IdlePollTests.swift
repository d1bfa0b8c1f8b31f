import Foundation
import Testing
@testable import TidegateTransport

/// An event loop polls for the next request only after receiving bytes, only while a core is free,
/// and never when switched off.
@Suite("Idle poll")
struct IdlePollTests {
    @Test("runnable threads are read from /proc/loadavg's fourth field", arguments: [
        ("0.42 0.37 0.31 2/187 12345\n", 2),
        ("12.00 8.50 4.25 17/1024 999999\n", 17),
        ("0.00 0.00 0.00 1/64 1", 1),
        ("0.42 0.37 0.31 /187 12345\n", nil),  // no count
        ("0.42 0.37 2/187 12345\n", nil),  // a field short: "12345" has no slash
        ("0.42 0.37 0.31 2 187\n", nil),  // no slash
        ("", nil),
        ("0.42 0.37 0.31 9999999999/1 1\n", nil),  // implausibly many digits
    ] as [(String, Int?)])
    func runnableThreads(text: String, expected: Int?) {
        let parsed = Array(text.utf8).withUnsafeBytes { IdlePoll.runnableThreads(inLoadAverage: $0) }
        #expect(parsed == expected)
    }

    @Test("a core is free while no more threads want to run than there are cores (the poller counts itself)", arguments: [
        (1, 1, true), (2, 2, true), (1, 2, true), (3, 2, false), (2, 1, false), (9, 8, false),
    ])
    func coreIsFree(runnable: Int, cores: Int, free: Bool) {
        #expect(IdlePoll.coreIsFree(runnableThreads: runnable, cores: cores) == free)
    }

    @Test("this machine's /proc/loadavg reads (so the poll is not silently off)")
    func loadAverageReadable() throws {
        let text = try String(contentsOfFile: "/proc/loadavg", encoding: .utf8)
        let runnable = Array(text.utf8).withUnsafeBytes { IdlePoll.runnableThreads(inLoadAverage: $0) }
        #expect((runnable ?? 0) >= 1, "\(text)")  // at least the reading thread
    }

    @Test("a poll follows a turn that served one connection, the one the served turn before served alone", arguments: [
        (TurnReceivers.none, TurnReceivers.none, false), (.none, .one(1), false),  // nothing received: idle
        (.one(1), .one(1), true),                  // one client waiting on its answers
        (.one(1), .one(2), false),                 // connections taking turns: load
        (.one(1), .several, false),
        (.one(1), .none, false),                   // the first served turn
        (.several, .several, false), (.several, .one(1), false),  // several at once: load
    ])
    func worthPolling(turn: TurnReceivers, before: TurnReceivers, polls: Bool) {
        #expect(IdlePoll.worthPolling(after: turn, servedTurnBefore: before) == polls)
    }

    @Test("a turn's receivers: none, one connection however often it reads, or several", arguments: [
        ([UInt64](), TurnReceivers.none),
        ([1], .one(1)),
        ([1, 1, 1], .one(1)),
        ([1, 2], .several),
        ([1, 2, 1], .several),
    ])
    func receivers(serials: [UInt64], expected: TurnReceivers) {
        var turn = TurnReceivers.none
        for serial in serials { turn.add(serial) }
        #expect(turn == expected)
    }

    @Test("the window adapts as KVM's halt polling does", arguments: [
        // (current, longest, waited) -> next; µs
        (200, 200, 150, 200),  // the window covered the wait: unchanged
        (200, 200, 200, 200),
        (80, 200, 150, 160),   // the longest window would have covered it: doubled
        (160, 200, 190, 200),  // ... up to the longest
        (0, 200, 150, 10),     // from nothing, the first window
        (5, 200, 150, 10),
        (200, 200, 5_000, 100),  // past the longest window: halved
        (100, 200, 201, 50),
        (10, 200, 1_000_000, 0),  // below the first window: none
        (0, 200, 1_000_000, 0),   // none stays none while waits are long
    ] as [(UInt64, UInt64, UInt64, UInt64)])
    func adaptiveWindow(current: UInt64, longest: UInt64, waited: UInt64, next: UInt64) {
        #expect(IdlePoll.nextWindow(current: current * 1_000, longest: longest * 1_000, waited: waited * 1_000) == next * 1_000)
    }

    @Test("requests further apart than the longest window stop the polling; back-to-back ones bring it back")
    func windowFollowsTraffic() {
        var poll = IdlePoll(windowNanoseconds: 200_000)
        #expect(poll.window == 200_000)  // optimistic at start
        var windows: [UInt64] = []
        for _ in 0..<6 {
            poll.observe(waited: 50_000_000)  // a request every 50 ms
            windows.append(poll.window / 1_000)
        }
        #expect(windows == [100, 50, 25, 12, 0, 0])
        windows = []
        for _ in 0..<6 {
            poll.observe(waited: 150_000)  // back to back, 150 µs apart
            windows.append(poll.window / 1_000)
        }
        #expect(windows == [10, 20, 40, 80, 160, 160])
    }

    @Test("longer than 1 ms or negative is refused before anything starts", arguments: [
        Duration.milliseconds(2), Duration.microseconds(-1),
    ])
    func outOfRangeRefused(window: Duration) {
        let server = TransportServer(
            configuration: TransportConfiguration(eventLoops: 1, idlePoll: window), listeners: [],
            logger: .init(label: "idle-poll-test"))
        #expect(throws: TransportError.invalidConfiguration("idlePoll must be between 0 and 1 ms")) { try server.start() }
    }

    /// Every wait after a served turn ends in exactly one counted outcome (event, expired or busy:
    /// which one depends on the machine, so only the total is asserted).
    @Test("served requests are followed by polls when on, by none when off", arguments: [
        Duration.microseconds(200), .zero,
    ])
    func pollsFollowServedRequests(window: Duration) throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1, idlePoll: window))
        defer { server.stop() }
        let client = try RawClient(port: server.plainPort)
        for _ in 0..<20 {
            client.send(simpleRequest)
            #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
        }
        let polls = server.metrics.idlePolls.values.reduce(0, +)
        if window == .zero {
            #expect(polls == 0)
        } else {
            #expect(polls >= 1)
        }
    }

    @Test("only a turn that received bytes from the connection the served turn before received from leads to a poll")
    func onlyServingPolls() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1, idlePoll: .milliseconds(1)))
        defer { server.stop() }
        let quiet = try (0..<3).map { _ in try RawClient(port: server.plainPort) }
        #expect(eventually { server.metrics.openConnections == 3 })
        usleep(50_000)
        #expect(server.metrics.idlePolls.values.reduce(0, +) == 0, "polled after turns that served no connection")
        // Connections taking turns, one request each: load, not a client waiting on its answers.
        for round in 0..<2 {
            for client in quiet {
                client.send(simpleRequest)
                #expect(client.read(until: "\r\n\r\n").contains("200 OK"), "round \(round)")
            }
        }
        usleep(50_000)
        #expect(server.metrics.idlePolls.values.reduce(0, +) == 0, "polled after connections took turns")
        // One connection served twice in a row: the next wait polls.
        for _ in 0..<2 {
            quiet[0].send(simpleRequest)
            #expect(quiet[0].read(until: "\r\n\r\n").contains("200 OK"))
        }
        #expect(eventually { server.metrics.idlePolls.values.reduce(0, +) >= 1 })
    }
}
