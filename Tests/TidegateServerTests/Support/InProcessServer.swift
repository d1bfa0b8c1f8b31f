import Foundation
import Logging
import Synchronization
import TidegateHTTP
import TidegateServer
import TidegateTransport

/// A real `WebhookServer` on 127.0.0.1 port 0 with development certificates in a temporary directory.
///
/// `watching: false` only starts the listeners; `watching: true` runs `run()` on its own thread, so
/// the certificate and policy file watchers are live (polling every 50 ms) exactly as in production.
final class InProcessServer: @unchecked Sendable {
    let directory: String
    let certificates: DevCertificates
    let server: WebhookServer
    let policyFile: String?
    private let runner: Thread?
    private let runEnded = DispatchSemaphore(value: 0)
    private let runError = RunFailure()
    private let stopped = Mutex(false)

    var httpsPort: Int { server.httpsPort ?? -1 }
    var healthPort: Int { server.healthPort ?? -1 }
    var caFile: String { certificates.caCertificateFile }

    init(policyYAML: String? = nil, watching: Bool = false, requestReadTimeout: Duration? = nil,
         bodyBudgetBytes: Int? = nil, maxBodyBytes: Int? = nil) throws {
        directory = try makeTemporaryDirectory("inprocess")
        certificates = try DevCertificates.generate(in: directory)
        if let policyYAML {
            policyFile = directory + "/policy.yaml"
            try writeFile(directory + "/policy.yaml", policyYAML)
        } else {
            policyFile = nil
        }
        var configuration = ServerConfiguration(
            certificateFile: certificates.certificateChainFile, keyFile: certificates.privateKeyFile)
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.healthHost = "127.0.0.1"
        configuration.healthPort = 0
        configuration.policyFile = policyFile
        configuration.transport.eventLoops = 2
        if let requestReadTimeout { configuration.transport.requestReadTimeout = requestReadTimeout }
        if let bodyBudgetBytes { configuration.limits.bodyBudget = BodyBudget(capacity: bodyBudgetBytes) }
        if let maxBodyBytes { configuration.limits.maxBodyBytes = maxBodyBytes }
        configuration.shutdownGracePeriod = .seconds(10)
        configuration.watchInterval = .milliseconds(50)
        var logger = Logger(label: "tidegate-server-test")
        logger.logLevel = .critical
        server = try WebhookServer(configuration: configuration, logger: logger)

        if watching {
            let server = self.server
            let ended = runEnded
            let failure = runError
            let thread = Thread {
                do { try server.run() } catch { failure.record(error) }
                ended.signal()
            }
            runner = thread
            thread.start()
            let up = eventually(within: .seconds(30)) {
                server.httpsPort != nil || failure.message != nil
            }
            guard up, server.httpsPort != nil else {
                throw ServerTestError("server did not start: \(runError.message ?? "no port bound")")
            }
        } else {
            runner = nil
            try server.start()
        }
    }

    /// Drains and stops the server (waiting for `run()` to return) and removes the directory.
    func stop() {
        let first = stopped.withLock { already -> Bool in
            defer { already = true }
            return !already
        }
        guard first else { return }
        if runner != nil {
            server.requestStop()
            _ = runEnded.wait(timeout: .now() + 60)
        } else {
            server.shutdown()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    /// The plain-HTTP metrics page of this server.
    func metrics() throws -> String {
        try curl(["http://127.0.0.1:\(healthPort)/metrics"]).text
    }

    /// The value of one metric sample (`name{labels}`), 0 when absent.
    func metric(_ sample: String) throws -> Double {
        metricValue(sample, in: try metrics())
    }
}

func metricValue(_ sample: String, in page: String) -> Double {
    for line in page.split(separator: "\n") where line.hasPrefix(sample + " ") {
        return Double(line.dropFirst(sample.count + 1)) ?? 0
    }
    return 0
}

struct ServerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Why `run()` returned early, if it did.
final class RunFailure: Sendable {
    private let value = Mutex<String?>(nil)
    func record(_ error: any Error) { value.withLock { $0 = "\(error)" } }
    var message: String? { value.withLock { $0 } }
}
