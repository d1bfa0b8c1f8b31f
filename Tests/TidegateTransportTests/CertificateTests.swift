import Foundation
import Logging
import Synchronization
import Testing
import TidegateTransport

@Suite("Certificates: loading, dev CA, reload, watching")
struct CertificateTests {
    enum Breakage: String, CaseIterable, Sendable {
        case missingCertificate, garbageCertificate, missingKey, garbageKey, mismatchedKey, missingClientCA
    }

    @Test("a broken certificate/key setup fails with a typed error naming the file", arguments: Breakage.allCases)
    func brokenSetupIsTypedError(breakage: Breakage) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try DevCertificates.generate(in: directory)
        let other = try DevCertificates.generate(in: directory, filePrefix: "other-")
        let garbage = directory + "/garbage.pem"
        try Data("-----BEGIN CERTIFICATE-----\nnot base64\n".utf8).write(to: URL(fileURLWithPath: garbage))
        var config = TLSConfiguration(certificateChainFile: good.certificateChainFile, privateKeyFile: good.privateKeyFile)
        let missing = directory + "/missing.pem"
        switch breakage {
        case .missingCertificate: config.certificateChainFile = missing
        case .garbageCertificate: config.certificateChainFile = garbage
        case .missingKey: config.privateKeyFile = missing
        case .garbageKey: config.privateKeyFile = garbage
        case .mismatchedKey: config.privateKeyFile = other.privateKeyFile
        case .missingClientCA: config.clientAuthentication = .required(caFile: missing)
        }
        do {
            _ = try TLSContext(config)
            Issue.record("expected an error")
        } catch {
            switch (breakage, error) {
            case (.missingCertificate, .certificateUnreadable(let path, _)): #expect(path == missing)
            case (.garbageCertificate, .certificateUnreadable(let path, _)): #expect(path == garbage)
            case (.missingKey, .privateKeyUnreadable(let path, _)): #expect(path == missing)
            case (.garbageKey, .privateKeyUnreadable(let path, _)): #expect(path == garbage)
            case (.mismatchedKey, .keyDoesNotMatchCertificate(_, let key, _)): #expect(key == other.privateKeyFile)
            case (.missingClientCA, .clientCAUnreadable(let path, _)): #expect(path == missing)
            default: Issue.record("unexpected error \(error)")
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test("dev certificates: keys are private and the serving certificate names localhost, 127.0.0.1 and ::1")
    func devCertificateFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certs = try DevCertificates.generate(in: directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: certs.privateKeyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try run(["openssl", "x509", "-in", certs.certificateChainFile, "-noout", "-text"]).output
        #expect(text.contains("DNS:localhost"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("prime256v1"))
        let verify = try run(["openssl", "verify", "-CAfile", certs.caCertificateFile, certs.certificateChainFile])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test("reload serves the new certificate to new connections; established ones keep working")
    func reloadSwapsCertificate() throws {
        let server = try TestServer()
        defer { server.stop() }
        let old = server.certificates
        let established = try TLSTestClient(port: server.tlsPort, caFile: old.caCertificateFile)
        let fresh = try DevCertificates.generate(in: server.directory, filePrefix: "new-")
        try server.tls.reload(certFile: fresh.certificateChainFile, keyFile: fresh.privateKeyFile)

        #expect(throws: TLSTestClient.Failure.self) { try TLSTestClient(port: server.tlsPort, caFile: old.caCertificateFile) }
        let renewed = try TLSTestClient(port: server.tlsPort, caFile: fresh.caCertificateFile)
        renewed.send(simpleRequest)
        #expect(renewed.read(until: "\r\n\r\n").contains("200 OK"))
        established.send(simpleRequest)
        #expect(established.read(until: "\r\n\r\n").contains("200 OK"))
    }

    @Test("a broken new pair is refused and the old certificate keeps serving")
    func brokenReloadKeepsOld() throws {
        let server = try TestServer()
        defer { server.stop() }
        let other = try DevCertificates.generate(in: server.directory, filePrefix: "other-")
        #expect(throws: TransportError.self) {
            try server.tls.reload(certFile: server.certificates.certificateChainFile, keyFile: other.privateKeyFile)
        }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        client.send(simpleRequest)
        #expect(client.read(until: "\r\n\r\n").contains("200 OK"))
    }

    @Test("watching the certificate files reloads a rotated pair and refuses a broken one")
    func watchFilesReloads() throws {
        let server = try TestServer()
        defer { server.stop() }
        let certs = server.certificates
        let outcomes = EventList()
        let tls = server.tls
        let watcher = try FileWatcher(paths: [certs.certificateChainFile, certs.privateKeyFile], interval: .milliseconds(20)) {
            do throws(TransportError) {
                try tls.reload()
                outcomes.append("reloaded")
            } catch {
                outcomes.append("refused")
            }
        }
        defer { watcher.stop() }
        // Rotate: a new CA's pair written over the watched paths (rename, as kubelet's swap is atomic).
        let fresh = try DevCertificates.generate(in: server.directory, filePrefix: "rotated-")
        #expect(rename(fresh.privateKeyFile, certs.privateKeyFile) == 0)
        #expect(rename(fresh.certificateChainFile, certs.certificateChainFile) == 0)
        #expect(
            eventually { (try? TLSTestClient(port: server.tlsPort, caFile: fresh.caCertificateFile)) != nil },
            "reload outcomes: \(outcomes.events)")
        // Break: a key that matches nothing; the rotated certificate keeps serving.
        let other = try DevCertificates.generate(in: server.directory, filePrefix: "other-")
        #expect(rename(other.privateKeyFile, certs.privateKeyFile) == 0)
        #expect(eventually { outcomes.events.last == "refused" })
        #expect((try? TLSTestClient(port: server.tlsPort, caFile: fresh.caCertificateFile)) != nil)
    }

    @Test("the file watcher reports a Kubernetes-style symlink swap and an in-place rewrite", arguments: [true, false])
    func watcherSeesChange(symlinkSwap: Bool) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fm = FileManager.default
        let watched = directory + "/tls.crt"
        if symlinkSwap {
            // The kubelet layout: tls.crt -> ..data/tls.crt, ..data -> ..2024_1 (swapped atomically).
            try fm.createDirectory(atPath: directory + "/..v1", withIntermediateDirectories: true)
            try Data("one".utf8).write(to: URL(fileURLWithPath: directory + "/..v1/tls.crt"))
            try fm.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..v1")
            try fm.createSymbolicLink(atPath: watched, withDestinationPath: "..data/tls.crt")
        } else {
            try Data("one".utf8).write(to: URL(fileURLWithPath: watched))
        }
        let changes = Counter()
        let watcher = try FileWatcher(paths: [watched], interval: .milliseconds(20)) {
            changes.increment()
        }
        defer { watcher.stop() }
        usleep(100_000)
        #expect(changes.value == 0)
        if symlinkSwap {
            try fm.createDirectory(atPath: directory + "/..v2", withIntermediateDirectories: true)
            try Data("two".utf8).write(to: URL(fileURLWithPath: directory + "/..v2/tls.crt"))
            try fm.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..v2")
            #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        } else {
            try Data("two, longer".utf8).write(to: URL(fileURLWithPath: watched))
        }
        #expect(eventually { changes.value >= 1 })
    }
}
