import Prometheus
import Synchronization
import TidegateAdmission
import TidegateHTTP
import TidegatePolicy
import TidegateTransport

/// Everything the server exports on `/metrics`, in Prometheus text format. One registry per
/// server instance (no process-wide factory), so tests can run servers side by side.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let validateLatency: DurationHistogram
    private let mutateLatency: DurationHistogram
    public let openConnections: Gauge
    /// Request-body bytes buffered across the server (its `BodyBudget`), set at each scrape.
    let bodyBytesInFlight: Gauge
    private let bodyBudget = Mutex<BodyBudget?>(nil)
    public let reloadsSucceeded: [String: Counter]
    public let reloadsFailed: [String: Counter]
    /// The transport's own counters, copied in at each scrape, and what of them is already exported.
    private let transport = Mutex<(source: TransportMetrics?, exported: [String: Int])>((nil, [:]))

    /// Sub-millisecond resolution: a review takes microseconds, so the default Prometheus
    /// buckets (5 ms and up) would put every request in the first one.
    static let latencyBuckets: [Duration] = [
        .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(100), .milliseconds(1000),
    ]

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tidegate", metricName: metric, unitName: unit, helpText: help)
    }

    static var requestDuration: MetricNameDescriptor { name("request_duration", "seconds", "Time to answer an admission request, body received to response built.") }
    static var openConnectionsName: MetricNameDescriptor { name("open", "connections", "Connections currently open.") }
    static var bodyBytesInFlightName: MetricNameDescriptor {
        name("request_body_in_flight", "bytes", "Request body bytes buffered across the server; past its budget, requests get 503.")
    }
    static var reloads: MetricNameDescriptor { name("reloads", "total", "Reloads of the policy file or the serving certificate.") }
    static var requests: MetricNameDescriptor { name("http_requests", "total", "HTTP requests by endpoint and status code.") }
    static var decisions: MetricNameDescriptor { name("admission_decisions", "total", "Admission decisions.") }
    static var findings: MetricNameDescriptor { name("findings", "total", "Findings by rule and the action taken.") }
    static var handshakeFailures: MetricNameDescriptor { name("tls_handshake_failures", "total", "TLS handshakes that failed, by reason.") }
    static var timeouts: MetricNameDescriptor {
        name("connection_timeouts", "total",
             "Connections closed by a deadline, by phase (handshake, idle, request_read, write; request_deadline: the request's own ?timeout=). Over HTTP/2, request_read and request_deadline reset the stream and keep the connection.")
    }

    static var idlePolls: MetricNameDescriptor {
        name("idle_polls", "total",
             "Event-loop waits after serving, by outcome (event: the next request came while polling, saving a wake-up; expired: it did not; busy: not polled, no core free).")
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Both series exist from the start, so a dashboard sees zero rather than nothing.
        validateLatency = registry.makeDurationHistogram(
            descriptor: Self.requestDuration, labels: [("endpoint", "validate")], buckets: Self.latencyBuckets)
        mutateLatency = registry.makeDurationHistogram(
            descriptor: Self.requestDuration, labels: [("endpoint", "mutate")], buckets: Self.latencyBuckets)
        openConnections = registry.makeGauge(descriptor: Self.openConnectionsName)
        bodyBytesInFlight = registry.makeGauge(descriptor: Self.bodyBytesInFlightName)
        var ok: [String: Counter] = [:]
        var failed: [String: Counter] = [:]
        for what in ["policy", "certificate"] {
            ok[what] = registry.makeCounter(descriptor: Self.reloads, labels: [("what", what), ("result", "success")])
            failed[what] = registry.makeCounter(descriptor: Self.reloads, labels: [("what", what), ("result", "failure")])
        }
        reloadsSucceeded = ok
        reloadsFailed = failed
    }

    /// The admission endpoints' counters, found without building or hashing a key string per
    /// request (that lookup measured at 4,000 instructions per request). Made on first use, so
    /// a series appears only once it has counted something (the registry builds and validates
    /// names in `makeCounter`: several microseconds, once per series).
    private struct AdmissionCounters {
        /// By endpoint and status code.
        var requests: [Int: Counter] = [:]
        /// By endpoint and allowed.
        var decisions: [Counter?] = [nil, nil, nil, nil]
        /// By rule, then action.
        var findings: [String: [Counter?]] = [:]
    }

    /// One lock for every loop; taken once per request for the decision and its findings, and
    /// once for the status code.
    private let admissionCounters = Mutex(AdmissionCounters())

    private static func slot(_ endpoint: AdmissionEndpoint) -> Int {
        switch endpoint {
        case .validate: 0
        case .mutate: 1
        }
    }

    private static func slot(_ action: RuleAction) -> Int {
        switch action {
        case .deny: 0
        case .warn: 1
        case .off: 2
        }
    }

    func request(endpoint: AdmissionEndpoint, status: Int) {
        let key = Self.slot(endpoint) << 32 | (status & 0xFFFF_FFFF)
        admissionCounters.withLock { counters in
            if let c = counters.requests[key] { return c }
            let c = registry.makeCounter(
                descriptor: Self.requests, labels: [("endpoint", endpoint.rawValue), ("code", String(status))])
            counters.requests[key] = c
            return c
        }.increment()
    }

    func latency(endpoint: AdmissionEndpoint, _ duration: Duration) {
        switch endpoint {
        case .validate: validateLatency.record(duration)
        case .mutate: mutateLatency.record(duration)
        }
    }

    func decision(_ decision: AdmissionDecision, endpoint: AdmissionEndpoint) {
        admissionCounters.withLock { counters in
            let slot = Self.slot(endpoint) * 2 + (decision.allowed ? 1 : 0)
            let c = counters.decisions[slot] ?? registry.makeCounter(
                descriptor: Self.decisions,
                labels: [("endpoint", endpoint.rawValue), ("allowed", decision.allowed ? "true" : "false")])
            counters.decisions[slot] = c
            c.increment()
            for (rule, action) in decision.findings {
                let slot = Self.slot(action)
                if let f = counters.findings[rule]?[slot] {
                    f.increment()
                    continue
                }
                let f = registry.makeCounter(descriptor: Self.findings, labels: [("rule", rule), ("action", action.rawValue)])
                counters.findings[rule, default: [nil, nil, nil]][slot] = f
                f.increment()
            }
        }
    }

    /// Exports the open-connection gauge, TLS handshake failures, timeouts and idle polls from `metrics` on every scrape.
    public func observe(_ metrics: TransportMetrics) {
        transport.withLock { $0.source = metrics }
    }

    /// Exports the bytes `budget` holds on every scrape.
    public func observe(_ budget: BodyBudget) {
        bodyBudget.withLock { $0 = budget }
    }

    public func render() -> [UInt8] {
        if let budget = bodyBudget.withLock({ $0 }) { bodyBytesInFlight.set(Int64(budget.bytesInUse)) }
        syncTransport()
        return registry.emitToBuffer()
    }

    private func syncTransport() {
        // Counts new since the last scrape, per counter (descriptor name, label value).
        let (snapshot, fresh) = transport.withLock { state -> (TransportMetrics.Snapshot?, [(MetricNameDescriptor, String, String, Int)]) in
            guard let snapshot = state.source?.snapshot() else { return (nil, []) }
            var fresh: [(MetricNameDescriptor, String, String, Int)] = []
            func collect(_ counts: [String: Int], _ descriptor: MetricNameDescriptor, _ label: String) {
                for (value, count) in counts {
                    let key = "\(label)\u{0}\(value)"
                    let before = state.exported[key, default: 0]
                    if count > before {
                        fresh.append((descriptor, label, value, count - before))
                        state.exported[key] = count
                    }
                }
            }
            collect(snapshot.handshakeFailures, Self.handshakeFailures, "reason")
            collect(snapshot.timeouts, Self.timeouts, "phase")
            collect(snapshot.idlePolls, Self.idlePolls, "outcome")
            return (snapshot, fresh)
        }
        guard let snapshot else { return }
        openConnections.set(Int64(snapshot.openConnections))
        for (descriptor, label, value, count) in fresh {
            registry.makeCounter(descriptor: descriptor, labels: [(label, value)]).increment(by: Int64(count))
        }
    }
}
