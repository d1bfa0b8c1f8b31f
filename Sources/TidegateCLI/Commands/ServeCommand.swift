import ArgumentParser
import Logging
import TidegateHTTP
import TidegateServer
import TidegateTransport

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the admission webhook over HTTPS (HTTP/1.1 and HTTP/2).",
        discussion: """
            Admission endpoints (TLS only): POST /validate, POST /mutate. Health and metrics on both ports: GET /healthz, /readyz, /metrics. Every option can also come from the environment: TIDEGATE_LISTEN, TIDEGATE_TLS_CERT, TIDEGATE_TLS_KEY, TIDEGATE_POLICY, TIDEGATE_HEALTH_LISTEN, TIDEGATE_CLIENT_CA, TIDEGATE_DEV, TIDEGATE_LOG_LEVEL, TIDEGATE_EVENT_LOOPS, TIDEGATE_IDLE_POLL, TIDEGATE_MAX_CONNECTIONS, TIDEGATE_MAX_BODY, TIDEGATE_BODY_BUDGET. Certificate and policy files are reloaded when they change (and on SIGHUP); SIGTERM drains and exits 0.
            """)

    @Option(name: .long, help: ArgumentHelp("Admission (TLS) address. Default 0.0.0.0:8443.", valueName: "ADDR:PORT"))
    var listen: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serving certificate chain (PEM).", valueName: "FILE"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("Private key of the serving certificate (PEM).", valueName: "FILE"))
    var tlsKey: String?

    @Option(name: .long, help: ArgumentHelp("Policy file. Default: the embedded default policy.", valueName: "FILE"))
    var policy: String?

    @Option(name: .customLong("health-listen"), help: ArgumentHelp("Plain-HTTP health and metrics address. Default 0.0.0.0:8081.", valueName: "ADDR:PORT"))
    var healthListen: String?

    @Option(name: .customLong("client-ca"), help: ArgumentHelp("Require client certificates signed by this CA (only the apiserver gets in).", valueName: "FILE"))
    var clientCA: String?

    @Flag(name: .long, help: "Development mode: make a throwaway CA and serving certificate (localhost, 127.0.0.1, ::1) when none is given.")
    var dev = false

    @Option(name: .customLong("dev-dir"), help: ArgumentHelp("Where --dev writes its certificates.", valueName: "DIR"))
    var devDirectory: String = "certs/dev"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("max-connections"), help: "Open connections on the admission port (the health port has its own 256, so probes get through); past it, new ones are closed at once and open ones keep working. Default: what the cgroup memory limit holds at 64 KiB each after the server's own use and the body budget (128Mi: 1024); 10000 without a limit.")
    var maxConnections: Int?

    @Option(
        name: .customLong("max-body"),
        help: ArgumentHelp(
            "Largest request body; a larger one gets 413 without the rest being read. Default 3Mi.",
            discussion: "Sizes are bytes or Kubernetes quantities (512Ki, 3Mi, 1Gi; k, M, G are powers of ten). An UPDATE review carries the object twice (object and oldObject): raise this for very large pods rather than have the apiserver's call fail.",
            valueName: "SIZE"))
    var maxBody: String?

    @Option(
        name: .customLong("body-budget"),
        help: ArgumentHelp(
            "Request bodies buffered at once across all connections; past it, 503. At least --max-body. Default: a quarter of the cgroup memory limit, at most 32Mi (and at least --max-body).",
            valueName: "SIZE"))
    var bodyBudget: String?

    @Option(name: .customLong("event-loops"), help: "Event-loop threads. Default: one per CPU the process may use (its CPUs, capped by its cgroup CPU limit, rounded up).")
    var eventLoops: Int?

    @Option(
        name: .customLong("idle-poll"),
        help: ArgumentHelp(
            "After serving, how long at most an event loop polls for the next request before it sleeps. Default 200us (0 under a CPU limit below the CPUs it may run on); 0 turns polling off.",
            discussion: "A Go duration up to 1ms. On virtual machines it saves a wake-up per request that follows within the window (lower latency for back-to-back traffic). The window adapts: it shrinks to nothing while requests come further apart than this, and grows back when they come closer; it never polls while every core is busy.",
            valueName: "DURATION"))
    var idlePoll: String?

    func run() throws {
        let env = Environment()
        let level = Logger.Level(rawValue: logLevel ?? env["TIDEGATE_LOG_LEVEL"] ?? "info") ?? .info
        let logger = Logger(label: "tidegate") { JSONLogHandler(label: $0, level: level) }

        let idlePoll = try self.idlePoll.map { try Self.parseIdlePoll($0, source: "--idle-poll") }
            ?? env["TIDEGATE_IDLE_POLL"].map { try Self.parseIdlePoll($0, source: "TIDEGATE_IDLE_POLL") }
        let (host, port) = try Self.address(listen ?? env["TIDEGATE_LISTEN"] ?? "0.0.0.0:8443", flag: "--listen")
        let (healthHost, healthPort) = try Self.address(healthListen ?? env["TIDEGATE_HEALTH_LISTEN"] ?? "0.0.0.0:8081", flag: "--health-listen")
        var cert = tlsCert ?? env["TIDEGATE_TLS_CERT"]
        var key = tlsKey ?? env["TIDEGATE_TLS_KEY"]
        let devMode = dev || ["1", "true", "yes"].contains(env["TIDEGATE_DEV"]?.lowercased() ?? "")

        if cert == nil && key == nil && devMode {
            // Every ancestor in turn (mkdir -p), keeping a leading "/" so an absolute path stays absolute.
            var prefix = devDirectory.hasPrefix("/") ? "/" : ""
            for component in devDirectory.split(separator: "/") {
                prefix += component
                _ = mkdir(prefix, 0o755)
                prefix += "/"
            }
            let made = try DevCertificates.generate(in: devDirectory)
            cert = made.certificateChainFile
            key = made.privateKeyFile
            let shown = host == "0.0.0.0" || host == "::" ? "localhost" : host.contains(":") ? "[\(host)]" : host
            Console.error("""
                development certificates in \(devDirectory)/ (throwaway CA, SANs localhost 127.0.0.1 ::1); try:
                  curl --cacert \(made.caCertificateFile) -H 'Content-Type: application/json' \\
                       --data @review.json https://\(shown):\(port)/validate
                """)
        }
        guard let cert, let key else {
            throw CLIError("serve needs --tls-cert and --tls-key (or --dev for throwaway development certificates)")
        }

        var configuration = ServerConfiguration(certificateFile: cert, keyFile: key)
        configuration.listenHost = host
        configuration.listenPort = port
        configuration.healthHost = healthHost
        configuration.healthPort = healthPort
        configuration.clientCAFile = clientCA ?? env["TIDEGATE_CLIENT_CA"]
        configuration.policyFile = policy ?? env["TIDEGATE_POLICY"]
        // Before the connection cap: its default follows the body budget.
        let maxBodyBytes = try env.size(maxBody, flag: "--max-body", variable: "TIDEGATE_MAX_BODY", within: Self.bodySizes)
        let budgetBytes = try env.size(bodyBudget, flag: "--body-budget", variable: "TIDEGATE_BODY_BUDGET", within: Self.bodySizes)
        if maxBodyBytes != nil || budgetBytes != nil {
            do {
                try configuration.setBodyLimits(maxBodyBytes: maxBodyBytes, bodyBudget: budgetBytes)
            } catch {
                throw CLIError("the body budget (\(ByteQuantity.describe(error.bodyBudget))) is smaller than the largest body (\(ByteQuantity.describe(error.maxBodyBytes))): a body that size could never be accepted")
            }
        }
        if let limit = try env.count(maxConnections, flag: "--max-connections", variable: "TIDEGATE_MAX_CONNECTIONS") {
            configuration.transport.maxConnections = limit
        }
        if let loops = try env.count(eventLoops, flag: "--event-loops", variable: "TIDEGATE_EVENT_LOOPS") {
            configuration.transport.eventLoops = loops
        }
        if let idlePoll { configuration.transport.idlePoll = idlePoll }
        let server: WebhookServer
        do {
            server = try WebhookServer(configuration: configuration, logger: logger)
        } catch {
            throw CLIError("cannot start: \(error)")
        }
        do {
            try server.run()
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Sizes `--max-body` and `--body-budget` accept: from one small review to what no pod
    /// needs (etcd stores objects of at most 1.5 MiB by default).
    static let bodySizes = 1024...(1 << 30)

    /// `--idle-poll`: a Go duration from 0 (`0`, `0s`, `0us` ...) to 1 ms.
    static func parseIdlePoll(_ text: String, source: String) throws -> Duration {
        guard let duration = GoDuration.parse(text, allowingZero: true), duration <= TransportConfiguration.longestIdlePoll else {
            throw CLIError("\(source) \(text): expected a duration from 0 to 1ms, such as 100us")
        }
        return duration
    }

    /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all addresses).
    static func address(_ text: String, flag: String) throws -> (String, Int) {
        var host: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw CLIError("\(flag) \(text): missing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw CLIError("\(flag) \(text): expected [ADDR]:PORT") }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw CLIError("\(flag) \(text): expected ADDR:PORT") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard let p = Int(port), (0...65535).contains(p) else { throw CLIError("\(flag) \(text): invalid port") }
        return (String(host), p)
    }
}

/// The process environment, read once.
struct Environment {
    private let values: [String: String]

    init() {
        var values: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { values[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        self.values = values
    }

    subscript(name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    /// A count of at least 1 from `flagValue`, else from the environment `variable`; nil when
    /// neither is given. A bad value names where it came from rather than being ignored.
    func count(_ flagValue: Int?, flag: String, variable: String) throws(CLIError) -> Int? {
        let value: Int
        let source: String
        if let flagValue {
            (value, source) = (flagValue, flag)
        } else if let text = self[variable] {
            guard let parsed = Int(text) else { throw CLIError("\(variable) must be a whole number, not \"\(text)\"") }
            (value, source) = (parsed, variable)
        } else {
            return nil
        }
        guard value >= 1 else { throw CLIError("\(source) must be at least 1, not \(value)") }
        return value
    }

    /// A size in bytes (`ByteQuantity`) from `flagValue`, else from the environment `variable`;
    /// nil when neither is given. A bad value names where it came from.
    func size(_ flagValue: String?, flag: String, variable: String, within range: ClosedRange<Int>) throws(CLIError) -> Int? {
        guard let (text, source) = flagValue.map({ ($0, flag) }) ?? self[variable].map({ ($0, variable) }) else { return nil }
        guard let bytes = ByteQuantity.parse(text) else {
            throw CLIError("\(source) \(text): expected a size in bytes, such as 3145728 or 3Mi (suffixes Ki, Mi, Gi, k, M, G)")
        }
        guard range.contains(bytes) else {
            throw CLIError("\(source) \(text): expected from \(ByteQuantity.describe(range.lowerBound)) to \(ByteQuantity.describe(range.upperBound))")
        }
        return bytes
    }
}
