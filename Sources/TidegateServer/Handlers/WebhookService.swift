import Logging
import Synchronization
import TidegateAdmission
import TidegateHTTP
import TidegatePolicy

/// The webhook's HTTP surface, independent of the wire: the TLS port serves admission plus
/// health, the plain port health and metrics only (kubelet probes and scrapers speak plain HTTP).
public final class WebhookService: Sendable {
    private let engine: Mutex<AdmissionEngine>
    private let draining = Atomic<Bool>(false)
    private let certificateReady = Atomic<Bool>(true)
    public let metrics: ServerMetrics
    private let logger: Logger

    public init(policy: Policy, metrics: ServerMetrics = ServerMetrics(), logger: Logger) {
        self.engine = Mutex(AdmissionEngine(policy: policy))
        self.metrics = metrics
        self.logger = logger
    }

    /// Swaps the policy for requests that start from now on.
    public func replacePolicy(_ policy: Policy) {
        engine.withLock { $0 = AdmissionEngine(policy: policy) }
    }

    public var policy: Policy { engine.withLock { $0.policy } }

    /// Readiness goes false first thing on shutdown, so load balancers stop sending.
    public func beginDraining() { draining.store(true, ordering: .relaxed) }
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func setCertificateReady(_ ready: Bool) { certificateReady.store(ready, ordering: .relaxed) }

    /// Routes for the TLS port.
    public var admissionResponder: HTTPRouter {
        var router = healthResponder
        router.add("POST", "/validate") { [self] in admission($0, endpoint: .validate) }
        router.add("POST", "/mutate") { [self] in admission($0, endpoint: .mutate) }
        return router
    }

    /// Routes for the plain health port.
    public var healthResponder: HTTPRouter {
        var router = HTTPRouter()
        router.add("GET", "/healthz") { _ in Self.text(200, "ok\n") }
        router.add("GET", "/readyz") { [self] _ in
            if isDraining { return Self.text(503, "draining\n") }
            if !certificateReady.load(ordering: .relaxed) { return Self.text(503, "no serving certificate\n") }
            return Self.text(200, "ok\n")
        }
        router.add("GET", "/metrics") { [self] _ in
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "text/plain; version=0.0.4; charset=utf-8")
            return HTTPResponse(status: 200, headers: h, body: metrics.render())
        }
        return router
    }

    func admission(_ request: HTTPRequest, endpoint: AdmissionEndpoint) -> HTTPResponse {
        let start = ContinuousClock.now
        let response = answer(request, endpoint: endpoint, start: start)
        metrics.request(endpoint: endpoint.rawValue, status: response.status)
        return response
    }

    private func answer(_ request: HTTPRequest, endpoint: AdmissionEndpoint, start: ContinuousClock.Instant) -> HTTPResponse {
        guard Self.isJSON(request.headers["content-type"]) else {
            return .jsonError(415, "content type must be application/json")
        }
        let engine = self.engine.withLock { $0 }
        let outcome: AdmissionOutcome
        do {
            outcome = try engine.handle(request.body, endpoint: endpoint)
        } catch {
            logger.info("rejected request", metadata: ["endpoint": "\(endpoint.rawValue)", "error": "\(error.message)"])
            return .jsonError(400, error.message)
        }
        let elapsed = ContinuousClock.now - start
        metrics.latency(endpoint: endpoint.rawValue, elapsed)
        metrics.decision(outcome.decision, endpoint: endpoint.rawValue)
        log(outcome.decision, endpoint: endpoint, elapsed: elapsed)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        return HTTPResponse(status: 200, headers: headers, body: outcome.body)
    }

    private func log(_ d: AdmissionDecision, endpoint: AdmissionEndpoint, elapsed: Duration) {
        guard logger.logLevel <= .info else { return }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        var fields = JSONLogFields()
        fields.add("uid", d.uid)
        fields.add("kind", d.kind)
        fields.add("namespace", d.namespace)
        fields.add("name", d.name)
        fields.add("operation", d.operation)
        fields.add("user", d.username)
        fields.add("allowed", d.allowed)
        fields.add("endpoint", endpoint.rawValue)
        fields.add("latency_us", Int(micros))
        fields.add("rules", d.findings.map { "\($0.rule)=\($0.action.rawValue)" })
        if let skipped = d.skippedBecause { fields.add("skipped", skipped) }
        if d.patchOperations > 0 { fields.add("patch_ops", d.patchOperations) }
        logger.info("decision", metadata: ["decision": .stringConvertible(fields)])
    }

    /// `application/json`, optionally with parameters (`; charset=utf-8`), any case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces().lowercased() }
        return media == "application/json"
    }

    static func text(_ status: Int, _ body: String) -> HTTPResponse {
        var h = HTTPHeaders()
        h.add(name: "content-type", value: "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: h, body: Array(body.utf8))
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
