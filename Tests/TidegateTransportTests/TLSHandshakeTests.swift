import COpenSSL
import Testing
import TidegateTransport

@Suite("TLS handshakes against the dev CA")
struct TLSHandshakeTests {
    @Test(
        "a client trusting the dev CA completes the handshake with this version",
        arguments: [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")])
    func modernVersionSucceeds(flag: String, expected: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let result = try run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(server.tlsPort)", flag, "-CAfile",
             server.certificates.caCertificateFile, "-verify_return_error", "-verify_hostname", "localhost"])
        #expect(result.output.contains("Verify return code: 0 (ok)"), "\(result.output)")
        #expect(result.output.contains("Protocol  : \(expected)") || result.output.contains("New, \(expected)"), "\(result.output)")
    }

    @Test(
        "a legacy client is refused by the server (counted as a handshake failure)",
        arguments: ["-tls1_1", "-tls1"])
    func legacyVersionRejected(flag: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        // SECLEVEL=0 makes the local client willing to offer the old version, so the refusal is the server's.
        let result = try run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(server.tlsPort)", flag, "-cipher", "DEFAULT@SECLEVEL=0",
             "-CAfile", server.certificates.caCertificateFile])
        #expect(result.status != 0)
        #expect(result.output.contains("Cipher is (NONE)"), "\(result.output)")
        #expect(eventually { server.metrics.totalHandshakeFailures == 1 })
        #expect(server.metrics.completedHandshakes == 0)
    }

    @Test(
        "curl trusting the dev CA reaches every name in the serving certificate",
        arguments: ["localhost", "127.0.0.1", "[::1]"])
    func curlReachesEverySubjectAlternativeName(host: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let result = try run(
            ["curl", "-sS", "--http1.1", "--cacert", server.certificates.caCertificateFile,
             "https://\(host):\(server.tlsPort)/"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("alpn=http/1.1"), "\(result.output)")
    }

    @Test("the plain TCP listener serves without TLS")
    func plainListenerServes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let result = try run(["curl", "-sS", "http://127.0.0.1:\(server.plainPort)/"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("alpn=none tls=none"), "\(result.output)")
    }

    @Test("a second connection resumes the first one's session", arguments: [TG_TLS1_2_VERSION, TG_TLS1_3_VERSION])
    func sessionResumption(version: Int32) throws {
        let server = try TestServer()
        defer { server.stop() }
        let ca = server.certificates.caCertificateFile
        let first = try TLSTestClient(port: server.tlsPort, caFile: ca, version: version)
        first.send(simpleRequest)
        _ = first.read(until: "sni=")  // TLS 1.3 tickets arrive after the handshake
        let session = try #require(first.session())
        defer { SSL_SESSION_free(session) }
        #expect(!first.reusedSession)
        let second = try TLSTestClient(port: server.tlsPort, caFile: ca, version: version, session: session)
        #expect(second.reusedSession)
        #expect(eventually { server.metrics.resumedHandshakes == 1 })
    }
}

@Suite("ALPN")
struct ALPNTests {
    @Test(
        "the server picks by its own preference; no overlap or no ALPN means none (HTTP/1.1)",
        arguments: [
            (["h2"], "h2"), (["http/1.1"], "http/1.1"), (["h2", "http/1.1"], "h2"), (["http/1.1", "h2"], "h2"),
            (["spdy/3"], "none"), ([], "none"),
        ] as [([String], String)])
    func negotiated(offered: [String], expected: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile, alpn: offered)
        #expect((client.negotiatedProtocol ?? "none") == expected)
        client.send(simpleRequest)
        #expect(client.read(until: "sni=").contains("alpn=\(expected) "))
    }

    @Test("the server preference order is configurable")
    func preferenceOrderConfigurable() throws {
        let server = try TestServer(applicationProtocols: ["http/1.1", "h2"])
        defer { server.stop() }
        let client = try TLSTestClient(
            port: server.tlsPort, caFile: server.certificates.caCertificateFile, alpn: ["h2", "http/1.1"])
        #expect(client.negotiatedProtocol == "http/1.1")
    }

    @Test("openssl s_client sees the negotiated protocol", arguments: [("h2", "h2"), ("http/1.1", "http/1.1")])
    func sClientSeesProtocol(offer: String, expected: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let result = try run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(server.tlsPort)", "-alpn", offer, "-servername", "localhost",
             "-CAfile", server.certificates.caCertificateFile, "-ign_eof"],
            input: "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(result.output.contains("ALPN protocol: \(expected)"), "\(result.output)")
        #expect(result.output.contains("alpn=\(expected) tls=TLSv1.3 client=none sni=localhost"), "\(result.output)")
    }
}
