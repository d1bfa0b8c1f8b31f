import Foundation
import Logging
import Synchronization
import Testing
import TidegateTransport



@Suite("Graceful shutdown and signals")
struct LifecycleTests {
    @Test("shutdown closes idle connections, lets an in-flight request finish, then refuses new ones")
    func shutdownDrains() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 2))
        let idle = try RawClient(port: server.plainPort)
        let inFlight = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        inFlight.send("GET / HTTP/1.1\r\n")
        #expect(eventually { server.metrics.openConnections == 2 })
        // The drain must find the request started, so the handler asks for time to finish it.
        #expect(eventually { server.log.receivedBytes.load(ordering: .relaxed) == 16 })

        let finished = Counter()
        let stopper = Thread {
            server.server.shutdown(gracePeriod: .seconds(60))
            finished.increment()
        }
        stopper.start()
        #expect(eventually { server.log.shutdownRequests.load(ordering: .relaxed) == 2 })
        #expect(idle.readUntilClosed().end == .closedByPeer)
        #expect(finished.value == 0)

        inFlight.send("Host: localhost\r\n\r\n")
        let response = inFlight.read(until: "\r\n\r\n")
        #expect(response.contains("200 OK") && response.contains("Connection: close"))
        #expect(inFlight.readsUntilClosed())
        #expect(eventually { finished.value == 1 })
        #expect(throws: (any Error).self) { try RawClient(port: server.plainPort) }
        #expect(server.metrics.openConnections == 0)
        server.stop()
    }

    @Test("the grace period bounds shutdown: a request that never completes is closed")
    func gracePeriodBoundsShutdown() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1))
        let stuck = try RawClient(port: server.plainPort)
        stuck.send("GET / HTTP/1.1\r\n")
        #expect(eventually { server.log.receivedBytes.load(ordering: .relaxed) == 16 })
        server.server.shutdown(gracePeriod: .milliseconds(200))
        #expect(stuck.readUntilClosed().end == .closedByPeer)
        #expect(server.metrics.openConnections == 0)
        #expect(server.log.closedCount.load(ordering: .relaxed) == 1)
        server.stop()
    }

    @Test("a port already in use is a typed listen error naming it, and nothing is left running")
    func bindFailureIsTyped() throws {
        let first = try TestServer()
        defer { first.stop() }
        let second = TransportServer(
            configuration: TransportConfiguration(eventLoops: 1),
            listeners: [
                ListenerConfiguration(name: "ok", host: "127.0.0.1", port: 0, tls: nil) { FixedResponseHandler(info: $0, log: HandlerLog()) },
                ListenerConfiguration(name: "taken", host: "::", port: first.plainPort, tls: nil) { FixedResponseHandler(info: $0, log: HandlerLog()) },
            ],
            logger: Logger(label: "bind-test"))
        #expect(throws: TransportError.listenFailed(host: "::", port: first.plainPort, errno: EADDRINUSE)) { try second.start() }
        #expect(second.boundPort(of: "ok") == nil)
    }

    @Test("an invalid configuration is refused before anything starts", arguments: [
        TransportConfiguration(eventLoops: 0), TransportConfiguration(maxConnections: 0),
        TransportConfiguration(readBufferSize: 1024),
    ])
    func invalidConfigurationRefused(configuration: TransportConfiguration) throws {
        let server = TransportServer(configuration: configuration, listeners: [], logger: Logger(label: "config-test"))
        #expect {
            try server.start()
        } throws: { error in
            if case .invalidConfiguration = error as? TransportError { return true }
            return false
        }
    }

    @Test("SIGTERM and SIGINT request a drain, SIGHUP a reload", arguments: [(SIGTERM, "terminate"), (SIGINT, "terminate"), (SIGHUP, "reload")])
    func signalsMapToCallbacks(signal: Int32, expected: String) throws {
        let seen = EventList()
        let signals = try LifecycleSignals(
            onTerminate: { signo in seen.append("terminate:\(signo)") },
            onReload: { seen.append("reload") })
        defer { signals.stop() }
        signals.deliver(signal)
        let want = expected == "reload" ? "reload" : "terminate:\(signal)"
        #expect(eventually { seen.events == [want] })
    }
}
