import Foundation
import Testing
import TidegateTransport

/// Serving certificate replaced on disk while clients keep connecting.
@Suite("Certificate rotation under load")
struct CertificateRotationTests {
    @Test("a rotated certificate is served to new connections with no failed request; a mismatched pair is refused and the old one keeps serving")
    func rotationUnderLoad() throws {
        let server = try InProcessServer(watching: true)
        defer { server.stop() }
        let old = server.certificates
        let next = try DevCertificates.generate(in: server.directory, filePrefix: "next-")
        let bundle = server.directory + "/both-cas.pem"
        try writeFile(bundle, try readBytes(old.caCertificateFile) + readBytes(next.caCertificateFile))
        let review = server.directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))
        let port = server.httpsPort
        func served(trusting ca: String) throws -> Bool {
            try curl(["--cacert", ca, "https://localhost:\(port)/healthz"]).status == 200
        }
        #expect(try served(trusting: old.caCertificateFile))
        #expect(try !served(trusting: next.caCertificateFile))

        let load = LoadLoop(port: port, bodyFile: review, caFile: bundle)
        var outcomes: [LoadLoop.Outcome] = []
        defer { if outcomes.isEmpty { _ = load.stop() } }
        #expect(load.waitForRequests(10))

        // Broken pair: the new chain with the old key. The reload must be refused.
        try replaceFile(old.certificateChainFile, try readBytes(next.certificateChainFile))
        #expect(try eventually { try server.metric(#"tidegate_reloads_total{what="certificate",result="failure"}"#) >= 1 })
        #expect(load.waitForRequests(10))
        #expect(try served(trusting: old.caCertificateFile), "the old certificate must keep serving")
        #expect(try !served(trusting: next.caCertificateFile))

        // Completing the pair makes it valid: new connections get the new certificate.
        try replaceFile(old.privateKeyFile, try readBytes(next.privateKeyFile))
        #expect(try eventually(every: .milliseconds(100)) { try served(trusting: next.caCertificateFile) })
        #expect(try !served(trusting: old.caCertificateFile), "the old certificate is still served")
        #expect(try server.metric(#"tidegate_reloads_total{what="certificate",result="success"}"#) >= 1)
        #expect(load.waitForRequests(10))

        // openssl sees exactly the new leaf certificate.
        let shown = try runCommand(["sh", "-c", "openssl s_client -connect 127.0.0.1:\(port) -servername localhost -showcerts -CAfile \(next.caCertificateFile) </dev/null"])
        let newLeaf = try Self.firstPEMBlock(String(decoding: readBytes(next.certificateChainFile), as: UTF8.self))
        #expect(shown.stdout.contains(newLeaf))
        #expect(shown.stdout.contains("Verify return code: 0 (ok)"))

        outcomes = load.stop()
        let failures = outcomes.filter { $0.exitCode != 0 || $0.status != 200 }
        #expect(outcomes.count >= 30)
        #expect(failures.isEmpty, "\(failures.count) of \(outcomes.count) failed, first: \(failures.first.map { "\($0.version) exit \($0.exitCode) status \($0.status) \($0.stderr)" } ?? "")")
        #expect(Set(outcomes.map(\.version)).count == 2, "both protocols were under load")
    }

    static func firstPEMBlock(_ text: String) throws -> String {
        let end = "-----END CERTIFICATE-----"
        let range = try #require(text.range(of: end))
        return String(text[..<range.upperBound])
    }
}
