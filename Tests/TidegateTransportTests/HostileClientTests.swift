import CTidegateSystem
import Foundation
import Testing
import TidegateTransport

@Suite("Hostile and broken clients")
struct HostileClientTests {
    @Test(
        "bytes that are not a TLS handshake get a clean close and the server keeps serving",
        arguments: [
            ("garbage", Array("\u{0}\u{1}hello garbage\r\n\r\n".utf8) + [UInt8](repeating: 0xFF, count: 64)),
            ("plaintext HTTP", Array(simpleRequest.utf8)),
        ])
    func notTLSIsClosed(name: String, bytes: [UInt8]) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.tlsPort)
        client.send(bytes)
        let (_, end) = client.readUntilClosed()
        #expect(end == .closedByPeer)
        #expect(eventually { server.metrics.totalHandshakeFailures == 1 && server.metrics.openConnections == 0 })
        let healthy = try run(
            ["curl", "-sS", "--http1.1", "--cacert", server.certificates.caCertificateFile,
             "https://localhost:\(server.tlsPort)/"])
        #expect(healthy.status == 0, "\(healthy.output)")
    }

    @Test("a truncated handshake is closed by the handshake timeout")
    func truncatedHandshakeTimesOut() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1, handshakeTimeout: .milliseconds(300)))
        defer { server.stop() }
        let client = try RawClient(port: server.tlsPort)
        // A TLS record header announcing a 512-byte ClientHello, then only its first bytes.
        client.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])
        let (_, end) = client.readUntilClosed()
        #expect(end == .closedByPeer)
        #expect(eventually { server.metrics.handshakeFailures["timeout"] == 1 })
        #expect(server.metrics.timeouts["handshake"] == 1)
    }

    @Test(
        "a connection is closed by the timeout of the phase it stalls in",
        arguments: [
            // Slowloris: a request that starts and then trickles forever is bounded from its start.
            ("request_read", ["GET / HTTP/1.1\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n"]),
            // Keep-alive: after a complete exchange, silence ends the connection.
            ("idle", [simpleRequest]),
        ])
    func stalledPhaseTimesOut(phase: String, pieces: [String]) throws {
        let server = try TestServer(
            configuration: TransportConfiguration(
                eventLoops: 1, requestReadTimeout: .milliseconds(400), idleTimeout: .milliseconds(400)))
        defer { server.stop() }
        let client = try RawClient(port: server.plainPort)
        for piece in pieces {
            client.send(piece)
            usleep(100_000)
        }
        let (_, end) = client.readUntilClosed()
        #expect(end == .closedByPeer)
        #expect(eventually { server.metrics.timeouts[phase] == 1 })
    }

    @Test("a client that pipelines requests but never reads the answers is closed by the write timeout")
    func nonReadingClientIsBounded() throws {
        let server = try TestServer(
            configuration: TransportConfiguration(
                eventLoops: 1, writeTimeout: .milliseconds(300), maxPendingOutputBytes: 32 << 10))
        defer { server.stop() }
        let client = try RawClient(port: server.plainPort, receiveBound: 30)
        // Far more answers than the kernel buffers plus the pending-output limit can hold.
        let batch = Array(String(repeating: simpleRequest, count: 1000).utf8)
        var sent = 0
        let started = ContinuousClock.now
        while client.send(batch), sent < 400 { sent += 1 }
        #expect(eventually { server.metrics.timeouts["write"] == 1 }, "sent \(sent) in \(ContinuousClock.now - started): \(server.metrics)")
        #expect(client.readUntilClosed().end == .closedByPeer)
    }

    @Test("a slow request that finishes within the request timeout is answered")
    func slowButTimelyRequestIsServed() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1, requestReadTimeout: .seconds(30)))
        defer { server.stop() }
        let client = try RawClient(port: server.plainPort)
        for piece in ["GET / HTTP/1.1\r\n", "Host: x\r\n", "\r\n"] {
            client.send(piece)
            usleep(50_000)
        }
        #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
    }
}

@Suite("Client certificates")
struct ClientCertificateTests {
    @Test("required client certificates: refused without one, served with one from the CA", arguments: [false, true])
    func requiredClientCertificate(presentCertificate: Bool) throws {
        let server = try TestServer { .required(caFile: $0.caCertificateFile) }
        defer { server.stop() }
        let certs = server.certificates
        var arguments = ["curl", "-sS", "--http1.1", "--cacert", certs.caCertificateFile]
        if presentCertificate {
            let cert = server.directory + "/client.pem"
            let key = server.directory + "/client-key.pem"
            try certs.issueClientCertificate(commonName: "kube-apiserver", certificateFile: cert, keyFile: key)
            arguments += ["--cert", cert, "--key", key]
        }
        let result = try run(arguments + ["https://localhost:\(server.tlsPort)/"])
        if presentCertificate {
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("client=CN=kube-apiserver,O=Tidegate"), "\(result.output)")
        } else {
            #expect(result.status != 0, "\(result.output)")
            #expect(eventually { server.metrics.totalHandshakeFailures == 1 })
        }
    }

    @Test("a client certificate from another CA is refused")
    func foreignClientCertificateRefused() throws {
        let server = try TestServer { .required(caFile: $0.caCertificateFile) }
        defer { server.stop() }
        let other = try DevCertificates.generate(in: server.directory, filePrefix: "other-")
        let cert = server.directory + "/foreign.pem"
        let key = server.directory + "/foreign-key.pem"
        try other.issueClientCertificate(commonName: "intruder", certificateFile: cert, keyFile: key)
        let result = try run(
            ["curl", "-sS", "--http1.1", "--cacert", server.certificates.caCertificateFile, "--cert", cert, "--key", key,
             "https://localhost:\(server.tlsPort)/"])
        #expect(result.status != 0, "\(result.output)")
        #expect(eventually { server.metrics.totalHandshakeFailures == 1 })
    }

    @Test("optional client certificates: clients without one are still served")
    func optionalClientCertificate() throws {
        let server = try TestServer { .optional(caFile: $0.caCertificateFile) }
        defer { server.stop() }
        let result = try run(
            ["curl", "-sS", "--http1.1", "--cacert", server.certificates.caCertificateFile,
             "https://localhost:\(server.tlsPort)/"])
        #expect(result.output.contains("client=none"), "\(result.output)")
    }
}

@Suite("Connection limits")
struct ConnectionLimitTests {
    @Test("1,000 idle connections do not starve a new client")
    func idleConnectionsDoNotStarve() throws {
        #expect(tg_raise_nofile_limit(8192) >= 2200)
        let server = try TestServer()
        defer { server.stop() }
        var idle: [RawClient] = []
        for _ in 0..<1000 { idle.append(try RawClient(port: server.tlsPort)) }
        #expect(eventually { server.metrics.openConnections == 1000 })
        // An in-process client: spawning a subprocess with 1,000+ open fds trips a Foundation.Process bug.
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        client.send(simpleRequest)
        #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
        #expect(server.metrics.openConnections >= 1000)
        idle.removeAll()
    }

    @Test("beyond maxConnections new connections are closed at once and existing ones keep working")
    func maxConnectionsEnforced() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 2, maxConnections: 5))
        defer { server.stop() }
        var admitted: [RawClient] = []
        for _ in 0..<5 { admitted.append(try RawClient(port: server.plainPort)) }
        #expect(eventually { server.metrics.openConnections == 5 })
        let extra = try RawClient(port: server.plainPort)
        let (bytes, end) = extra.readUntilClosed()
        #expect(bytes.isEmpty && end == .closedByPeer)
        #expect(server.metrics.rejectedConnections == 1)
        for client in admitted {
            client.send(simpleRequest)
            #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
        }
        admitted.removeAll()
        #expect(eventually { server.metrics.openConnections == 0 })
        let later = try RawClient(port: server.plainPort)
        later.send(simpleRequest)
        #expect(later.read(until: "\r\n\r\n").contains("200 OK"))
    }

    @Test("a listener with a cap of its own stays reachable when the shared cap is full, and its own cap holds")
    func listenerOfItsOwn() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 2, maxConnections: 2), plainMaxConnections: 3)
        defer { server.stop() }
        // The TLS listener draws on the shared cap of 2: fill it with two raw connections.
        var tlsSide: [RawClient] = []
        for _ in 0..<2 { tlsSide.append(try RawClient(port: server.tlsPort)) }
        #expect(eventually { server.metrics.openConnections == 2 })
        let refused = try RawClient(port: server.tlsPort)
        #expect(refused.readUntilClosed().end == .closedByPeer)
        // The plain listener still takes its own three, and refuses a fourth.
        var plainSide: [RawClient] = []
        for _ in 0..<3 { plainSide.append(try RawClient(port: server.plainPort)) }
        #expect(eventually { server.metrics.openConnections == 5 })
        for client in plainSide {
            client.send(simpleRequest)
            #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
        }
        let fourth = try RawClient(port: server.plainPort)
        let (bytes, end) = fourth.readUntilClosed()
        #expect(bytes.isEmpty && end == .closedByPeer)
        #expect(server.metrics.rejectedConnections == 2)
        // Slots come back per listener.
        plainSide.removeAll()
        tlsSide.removeAll()
        #expect(eventually { server.metrics.openConnections == 0 })
        let again = try RawClient(port: server.plainPort)
        again.send(simpleRequest)
        #expect(again.read(until: "\r\n\r\n").contains("200 OK"))
    }
}
