import CTidegateSystem
import Foundation
import Logging
import Synchronization
import Testing
import TidegateTransport

/// A handler may keep its own deadline (HTTP/2: one stream's `?timeout=`): the loop calls it back
/// when it passes, counts what it ended, and keeps the connection open.
@Suite("Handler deadlines")
struct HandlerDeadlineTests {
    /// On any bytes, asks to be called back 50 ms later (and keeps no connection-wide read
    /// deadline); when called, writes "expired" and, unless `stuck`, forgets the deadline.
    final class DeadlineHandler: ConnectionHandler {
        private var due: UInt64?
        private let stuck: Bool
        init(stuck: Bool) { self.stuck = stuck }

        func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition {
            if due == nil { due = tg_monotonic_ns() + 50_000_000 }
            return .keepOpen
        }
        var timeoutPhase: ConnectionTimeoutPhase { due == nil ? .idle : .readingRequest }
        var keepsRequestDeadlines: Bool { true }
        var requestDeadline: UInt64? { due }
        func deadlinePassed(now: UInt64, output: inout [UInt8]) -> ExpiredRequests {
            output.append(contentsOf: Array("expired\n".utf8))
            if !stuck { due = nil }
            // The first expiry is a client's own timeout, later ones the read limit.
            expiries += 1
            return expiries == 1
                ? ExpiredRequests(pastTheirTimeout: 1, disposition: .keepOpen)
                : ExpiredRequests(pastReadLimit: 1, disposition: .keepOpen)
        }
        private var expiries = 0
        func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition { .closeNow }
    }

    func start(stuck: Bool) throws -> TransportServer {
        let server = TransportServer(
            configuration: TransportConfiguration(eventLoops: 1),
            listeners: [ListenerConfiguration(name: "plain", host: "127.0.0.1", port: 0, tls: nil) { _ in DeadlineHandler(stuck: stuck) }],
            logger: Logger(label: "handler-deadline-test"))
        try server.start()
        return server
    }

    @Test("a passed handler deadline is served on the open connection and counted by reason")
    func servedAndCounted() throws {
        let server = try start(stuck: false)
        defer { server.shutdown(gracePeriod: .seconds(5)) }
        let client = try RawClient(port: try #require(server.boundPort(of: "plain")))
        client.send("begin")
        #expect(client.read(until: "expired\n").hasSuffix("expired\n"))
        // Again on the same connection: it was neither closed nor left with a stale timer.
        client.send("again")
        #expect(client.read(until: "expired\n").hasSuffix("expired\n"))
        #expect(eventually {
            let timeouts = server.metrics.snapshot().timeouts
            return timeouts["request_deadline"] == 1 && timeouts["request_read"] == 1
        })
        #expect(server.metrics.snapshot().openConnections == 1)
    }

    @Test("a handler that keeps reporting a passed deadline gets its connection closed, not a spinning loop")
    func stuckDeadlineCloses() throws {
        let server = try start(stuck: true)
        defer { server.shutdown(gracePeriod: .seconds(5)) }
        let client = try RawClient(port: try #require(server.boundPort(of: "plain")))
        client.send("begin")
        let (bytes, end) = client.readUntilClosed()
        #expect(end == .closedByPeer)
        #expect(String(decoding: bytes, as: UTF8.self) == "expired\n")
    }
}
