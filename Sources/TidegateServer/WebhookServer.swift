import CTidegateSystem
import Logging
import Synchronization
import TidegateConfig
import TidegateHTTP
import TidegatePolicy
import TidegateTransport

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Everything `tidegate serve` can be told.
public struct ServerConfiguration: Sendable {
    public var listenHost = "0.0.0.0"
    public var listenPort = 8443
    public var healthHost = "0.0.0.0"
    public var healthPort = 8081
    public var certificateFile: String
    public var keyFile: String
    public var clientCAFile: String?
    /// Nil: the embedded default policy (no reload).
    public var policyFile: String?
    /// What the process may use, read from its cgroups once, when the configuration is made: the
    /// defaults of `limits` and `transport` follow it, and the startup line shows it.
    public let cpuBudget: CPUBudget
    public let memoryLimit: MemoryLimit?
    /// The codecs' limits, with a body budget shared by every connection, sized from the memory
    /// limit (`defaultBodyBudget`).
    public var limits: HTTPLimits
    /// The transport's defaults, except what follows from `cpuBudget` and `memoryLimit`: one event
    /// loop per CPU, a connection cap the memory holds (`defaultMaxConnections`), and loops that
    /// poll for up to 200 µs after serving before they sleep (adaptive, see `IdlePoll`;
    /// `defaultIdlePoll`), which saves the wake-up of a halted vCPU for requests that follow one
    /// another, as the apiserver's do on one connection.
    public var transport: TransportConfiguration
    /// Connections the health port may hold, apart from `transport.maxConnections` (which is the
    /// admission port's alone): peers filling the admission port must not fail kubelet's probes
    /// and get the pod restarted. Probes and scrapes need a handful.
    public var healthMaxConnections = 256
    public var shutdownGracePeriod: Duration = .seconds(20)
    /// How often certificate and policy files are polled for changes.
    public var watchInterval: Duration = .seconds(1)

    public init(certificateFile: String, keyFile: String) {
        self.init(certificateFile: certificateFile, keyFile: keyFile, cpuBudget: .current(), memoryLimit: .current())
    }

    /// With the defaults sized for `cpuBudget` and `memoryLimit` instead of this process's.
    public init(certificateFile: String, keyFile: String, cpuBudget: CPUBudget, memoryLimit: MemoryLimit?) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.cpuBudget = cpuBudget
        self.memoryLimit = memoryLimit
        var limits = HTTPLimits()
        let bodyBudget = Self.defaultBodyBudget(memoryLimit: memoryLimit, maxBodyBytes: limits.maxBodyBytes)
        limits.bodyBudget = BodyBudget(capacity: bodyBudget)
        self.limits = limits
        transport = TransportConfiguration(
            eventLoops: cpuBudget.eventLoops,
            maxConnections: Self.defaultMaxConnections(memoryLimit: memoryLimit, bodyBudget: bodyBudget),
            idlePoll: Self.defaultIdlePoll(cpuBudget))
    }

    /// Sets the largest request body and the body budget; what is not given keeps following the
    /// memory limit (the budget its default for the new largest body). The connection cap goes
    /// back to its default for the new budget, so set `transport.maxConnections` after this.
    /// A budget below the largest body is refused (nothing changes): such a body could never be
    /// accepted.
    public mutating func setBodyLimits(maxBodyBytes: Int?, bodyBudget: Int?) throws(BodyLimitsError) {
        let largest = maxBodyBytes ?? limits.maxBodyBytes
        let budget = bodyBudget ?? Self.defaultBodyBudget(memoryLimit: memoryLimit, maxBodyBytes: largest)
        guard budget >= largest else { throw BodyLimitsError(bodyBudget: budget, maxBodyBytes: largest) }
        limits.maxBodyBytes = largest
        limits.bodyBudget = BodyBudget(capacity: budget)
        transport.maxConnections = Self.defaultMaxConnections(memoryLimit: memoryLimit, bodyBudget: budget)
    }

    // What memory the server may fill: a memory limit (`resources.limits.memory`) is the one
    // resource an attacker can exhaust by opening connections and sending bodies slowly, and
    // an out-of-memory kill of the webhook blocks every admission its failurePolicy covers.
    // Measured: ~30 MB resident under load (so 32 MiB are set aside), an idle HTTP/2
    // connection ~28 KB, one mid-handshake more (OpenSSL's record buffers): 64 KiB each.

    /// The server's own resident memory under load, set aside before sizing what peers can fill.
    static let reservedBytes: Int64 = 32 << 20
    /// Budgeted per open connection.
    static let bytesPerConnection: Int64 = 64 << 10

    /// Request bodies buffered at once: a quarter of the memory limit, at most 32 MiB (ten 3 MiB
    /// reviews arriving together, or hundreds of large ones), never less than one largest body;
    /// 32 MiB without a limit.
    public static func defaultBodyBudget(memoryLimit: MemoryLimit?, maxBodyBytes: Int) -> Int {
        let ceiling: Int64 = 32 << 20
        let share = memoryLimit.map { min($0.bytes / 4, ceiling) } ?? ceiling
        return max(Int(share), maxBodyBytes)
    }

    /// Open connections: what the memory limit holds after the server's own use and the body
    /// budget, at `bytesPerConnection` each (128 Mi → 1,024), between 64 and 10,000; 10,000
    /// without a limit.
    public static func defaultMaxConnections(memoryLimit: MemoryLimit?, bodyBudget: Int) -> Int {
        guard let memoryLimit else { return 10_000 }
        let room = memoryLimit.bytes - reservedBytes - Int64(bodyBudget)
        return Int(min(max(room / bytesPerConnection, 64), 10_000))
    }

    /// Polling spends CPU to save a wake-up (~40 µs). Under a CPU limit that binds (fewer CPUs of
    /// quota than CPUs to run on) that CPU comes out of the quota: one connection sending back to
    /// back polls through most of each gap, and a loop that spends the quota is throttled until
    /// the next period — far longer than any wake-up. So a limited process does not poll unless
    /// `--idle-poll` says so.
    public static func defaultIdlePoll(_ budget: CPUBudget) -> Duration {
        budget.quotaBinds ? .zero : .microseconds(200)
    }
}

/// A body budget smaller than the largest allowed body (`ServerConfiguration.setBodyLimits`).
public struct BodyLimitsError: Error, Sendable, Equatable {
    public let bodyBudget: Int
    public let maxBodyBytes: Int
}

/// The webhook server: TLS admission port and plain health port on shared event loops, with
/// certificate and policy hot reload and graceful drain. `run()` blocks until SIGTERM/SIGINT.
public final class WebhookServer: Sendable {
    public let configuration: ServerConfiguration
    public let service: WebhookService
    private let tls: ReloadableTLSContext
    private let transport: TransportServer
    private let logger: Logger
    private let stopRequested = Mutex<Bool>(false)
    private let stopSignal: Int32
    /// The body budget the connections share (`configuration.limits`', raised to one largest body).
    private let bodyBudget: BodyBudget?

    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let policy = try configuration.policyFile.map { try PolicyLoader.load(path: $0) } ?? .default
        let service = WebhookService(policy: policy, logger: logger)
        self.service = service
        let auth: TLSConfiguration.ClientAuthentication = configuration.clientCAFile.map { .required(caFile: $0) } ?? .none
        tls = try ReloadableTLSContext(TLSConfiguration(
            certificateChainFile: configuration.certificateFile, privateKeyFile: configuration.keyFile,
            clientAuthentication: auth))
        let admission = service.admissionResponder
        let health = service.healthResponder
        let limits = {
            var limits = configuration.limits
            // A budget smaller than one allowed body would refuse that body forever.
            if let budget = limits.bodyBudget, budget.capacity < limits.maxBodyBytes {
                limits.bodyBudget = BodyBudget(capacity: limits.maxBodyBytes)
            }
            return limits
        }()
        bodyBudget = limits.bodyBudget
        // One read limit: the transport's, which HTTP/2 sessions apply per stream.
        let readLimit = configuration.transport.requestReadTimeout
        let connectionLogger = logger
        let transportMetrics = TransportMetrics()
        service.metrics.observe(transportMetrics)
        if let budget = limits.bodyBudget { service.metrics.observe(budget) }
        transport = TransportServer(
            configuration: configuration.transport,
            listeners: [
                ListenerConfiguration(name: "https", host: configuration.listenHost, port: configuration.listenPort, tls: tls) { info -> any ConnectionHandler in
                    if info.applicationProtocol == "h2" {
                        return HTTP2ConnectionHandler(
                            responder: admission, limits: limits, requestReadTimeout: readLimit, logger: connectionLogger)
                    }
                    return HTTP1ConnectionHandler(responder: admission, limits: limits)
                },
                ListenerConfiguration(
                    name: "health", host: configuration.healthHost, port: configuration.healthPort, tls: nil,
                    maxConnections: configuration.healthMaxConnections
                ) { _ in
                    HTTP1ConnectionHandler(responder: health, limits: limits)
                },
            ],
            logger: logger, metrics: transportMetrics)
        stopSignal = tg_eventfd_create()
    }

    /// Ports actually bound (useful with port 0 in tests).
    public var httpsPort: Int? { transport.boundPort(of: "https") }
    public var healthPort: Int? { transport.boundPort(of: "health") }

    public func start() throws {
        try transport.start()
        logger.info("serving", metadata: [
            "https": "\(configuration.listenHost):\(httpsPort ?? configuration.listenPort)",
            "health": "\(configuration.healthHost):\(healthPort ?? configuration.healthPort)",
            "policy": "\(configuration.policyFile ?? "embedded default")",
            "event_loops": .stringConvertible(configuration.transport.eventLoops),
            // What the default loop count follows, so an operator sees why it is what it is.
            "cpus": "\(configuration.cpuBudget)",
            "idle_poll": "\(Int(configuration.transport.idlePoll / .microseconds(1)))us",
            "max_body_bytes": .stringConvertible(configuration.limits.maxBodyBytes),
            "max_connections": .stringConvertible(configuration.transport.maxConnections),
            "body_budget_bytes": .stringConvertible(bodyBudget?.capacity ?? 0),
            // What the last two follow.
            "memory_limit": "\(configuration.memoryLimit.map(String.init(describing:)) ?? "none")",
        ])
    }

    /// Serves until SIGTERM or SIGINT, then drains. SIGHUP reloads certificate and policy.
    public func run() throws {
        let signals = try LifecycleSignals(
            onTerminate: { [self] signo in
                logger.info("signal received, draining", metadata: ["signal": .stringConvertible(Int(signo))])
                requestStop()
            },
            onReload: { [self] in
                logger.info("SIGHUP: reloading certificate and policy")
                reloadCertificate()
                reloadPolicy()
            })
        defer { signals.stop() }
        try start()
        let certificateWatcher = try FileWatcher(
            paths: [configuration.certificateFile, configuration.keyFile] + (configuration.clientCAFile.map { [$0] } ?? []),
            interval: configuration.watchInterval) { [self] in reloadCertificate() }
        defer { certificateWatcher.stop() }
        let policyWatcher = try configuration.policyFile.map { file in
            try FileWatcher(paths: [file], interval: configuration.watchInterval) { [self] in reloadPolicy() }
        }
        defer { policyWatcher?.stop() }
        waitForStop()
        shutdown()
    }

    /// Asks `run()` to drain and return.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
        _ = tg_eventfd_signal(stopSignal)
    }

    private func waitForStop() {
        var wake = pollfd(fd: stopSignal, events: Int16(POLLIN), revents: 0)
        while !stopRequested.withLock({ $0 }) {
            _ = poll(&wake, 1, 1000)
            tg_eventfd_drain(stopSignal)
        }
    }

    /// Readiness goes false, listeners close, in-flight requests finish within the grace period.
    public func shutdown() {
        service.beginDraining()
        transport.shutdown(gracePeriod: configuration.shutdownGracePeriod)
        close(stopSignal)
        logger.info("stopped")
    }

    func reloadCertificate() {
        do {
            try tls.reload()
            service.metrics.reloadsSucceeded["certificate"]?.increment()
            logger.info("certificate reloaded", metadata: ["cert": "\(configuration.certificateFile)"])
        } catch {
            service.metrics.reloadsFailed["certificate"]?.increment()
            logger.error("certificate reload refused; the previous certificate keeps serving", metadata: ["error": "\(error)"])
        }
    }

    func reloadPolicy() {
        guard let file = configuration.policyFile else { return }
        do {
            service.replacePolicy(try PolicyLoader.load(path: file))
            service.metrics.reloadsSucceeded["policy"]?.increment()
            logger.info("policy reloaded", metadata: ["policy": "\(file)"])
        } catch {
            service.metrics.reloadsFailed["policy"]?.increment()
            logger.error("policy reload refused; the previous policy stays in force", metadata: ["error": "\(error)"])
        }
    }
}
