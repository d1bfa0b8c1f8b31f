import Logging
import Synchronization
import TidegateAdmission
import TidegateHTTP
import TidegatePolicy
import TidegateTransport

/// The webhook's HTTP surface, independent of the wire: the TLS port serves admission plus
/// health, the plain port health and metrics only (kubelet probes and scrapers speak plain HTTP).
public final class WebhookService: Sendable {
    /// Held by reference so a request takes the current engine with one retain, not a struct copy.
    private final class EngineSnapshot: Sendable {
        let engine: AdmissionEngine
        init(_ engine: AdmissionEngine) { self.engine = engine }

        /// Called on the snapshot so the engine is used in place (from outside, the struct was copied).
        func handle(_ body: [UInt8], endpoint: AdmissionEndpoint) throws(AdmissionRequestError) -> AdmissionOutcome {
            let request = try engine.decode(body)
            // Freeing the document waits until the answer is written.
            defer { DeferredRelease.hold(request.object) }
            return engine.review(request, endpoint: endpoint)
        }
    }

    private let engine: Mutex<EngineSnapshot>
    private let draining = Atomic<Bool>(false)
    private let certificateReady = Atomic<Bool>(true)
    public let metrics: ServerMetrics
    private let logger: Logger
    /// The decision line written straight as bytes, when the logger is a `JSONLogHandler`.
    private let decisionLine: JSONLogLine?

    public init(policy: Policy, metrics: ServerMetrics = ServerMetrics(), logger: Logger) {
        self.engine = Mutex(EngineSnapshot(AdmissionEngine(policy: policy)))
        self.metrics = metrics
        self.logger = logger
        self.decisionLine = JSONLogLine(logger, level: .info, message: "decision")
    }

    /// Swaps the policy for requests that start from now on.
    public func replacePolicy(_ policy: Policy) {
        let fresh = EngineSnapshot(AdmissionEngine(policy: policy))
        engine.withLock { $0 = fresh }
    }

    public var policy: Policy { engine.withLock { $0 }.engine.policy }

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
        metrics.request(endpoint: endpoint, status: response.status)
        return response
    }

    private func answer(_ request: HTTPRequest, endpoint: AdmissionEndpoint, start: ContinuousClock.Instant) -> HTTPResponse {
        guard Self.isJSON(request.headers["content-type"]) else {
            return .jsonError(415, "content type must be application/json")
        }
        let snapshot = self.engine.withLock { $0 }
        let outcome: AdmissionOutcome
        do {
            outcome = try snapshot.handle(request.body, endpoint: endpoint)
        } catch {
            logger.info("rejected request", metadata: ["endpoint": "\(endpoint.rawValue)", "error": "\(error.message)"])
            return .jsonError(400, error.message)
        }
        let elapsed = ContinuousClock.now - start
        metrics.latency(endpoint: endpoint, elapsed)
        metrics.decision(outcome.decision, endpoint: endpoint)
        log(outcome.decision, endpoint: endpoint, elapsed: elapsed)
        return HTTPResponse(status: 200, headers: Self.jsonContentType, body: outcome.body)
    }

    private static let jsonContentType = HTTPHeaders([("content-type", "application/json")])

    private func log(_ d: AdmissionDecision, endpoint: AdmissionEndpoint, elapsed: Duration) {
        let (seconds, attoseconds) = elapsed.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if let decisionLine {
            decisionLine.write(bound: Self.membersBound(d), (d, endpoint, Int(micros))) { out, context in
                Self.writeMembers(context.0, endpoint: context.1, micros: context.2, into: &out)
            }
            return
        }
        guard logger.logLevel <= .info else { return }
        // Another handler gets the same members, pre-encoded, through swift-log.
        let members = JSONLineWriter.bytes(bound: Self.membersBound(d)) {
            Self.writeMembers(d, endpoint: endpoint, micros: Int(micros), into: &$0)
        }
        logger.info("decision", metadata: [JSONLogLine.membersKey: .stringConvertible(JSONLogFields(encoded: members))])
    }

    /// The members of a decision line, `"uid":…` to the end, without surrounding braces.
    static func writeMembers(_ d: AdmissionDecision, endpoint: AdmissionEndpoint, micros: Int, into out: inout JSONLineWriter) {
        out.literal(#""uid":"#); out.string(d.uid)
        out.literal(#","kind":"#); out.string(d.kind)
        out.literal(#","namespace":"#); out.string(d.namespace)
        out.literal(#","name":"#); out.string(d.name)
        out.literal(#","operation":"#); out.string(d.operation)
        out.literal(#","user":"#); out.string(d.username)
        out.literal(d.allowed ? #","allowed":true"# : #","allowed":false"#)
        switch endpoint {
        case .validate: out.literal(#","endpoint":"validate""#)
        case .mutate: out.literal(#","endpoint":"mutate""#)
        }
        out.literal(#","latency_us":"#); out.decimal(micros)
        out.literal(#","rules":["#)
        for (i, finding) in d.findings.enumerated() {
            out.literal(i > 0 ? #",""# : #"""#)
            out.stringContents(finding.rule)
            switch finding.action {
            case .deny: out.literal(#"=deny""#)
            case .warn: out.literal(#"=warn""#)
            case .off: out.literal(#"=off""#)
            }
        }
        out.byte(UInt8(ascii: "]"))
        if let skipped = d.skippedBecause {
            out.literal(#","skipped":"#); out.string(skipped)
        }
        if d.patchOperations > 0 {
            out.literal(#","patch_ops":"#); out.decimal(d.patchOperations)
        }
    }

    /// The most bytes `writeMembers` writes.
    static func membersBound(_ d: AdmissionDecision) -> Int {
        typealias W = JSONLineWriter
        var bound = 200 + W.bound(of: d.uid) + W.bound(of: d.kind) + W.bound(of: d.namespace) + W.bound(of: d.name)
            + W.bound(of: d.operation) + W.bound(of: d.username)
        for finding in d.findings { bound += W.bound(of: finding.rule) + 8 }
        if let skipped = d.skippedBecause { bound += W.bound(of: skipped) }
        return bound
    }

    /// `application/json`, optionally with parameters (`; charset=utf-8`), any case. Compared on
    /// the UTF-8 bytes: split/trim/lowercased cost 10,000 instructions per request.
    static func isJSON(_ contentType: String?) -> Bool {
        guard var contentType else { return false }
        return contentType.withUTF8 { isJSON(UnsafeRawBufferPointer($0)) }
    }

    static func isJSON(_ value: UnsafeRawBufferPointer) -> Bool {
        // The media type is the first non-empty `;`-separated part (leading `;`s are skipped).
        var start = 0
        while start < value.count, value[start] == UInt8(ascii: ";") { start += 1 }
        var end = start
        while end < value.count, value[end] != UInt8(ascii: ";") { end += 1 }
        return UnsafeRawBufferPointer(rebasing: value[start..<end]).trimmingWhitespace().equalsLowercased("application/json")
    }

    static func text(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: textContentType, body: Array(body.utf8))
    }

    private static let textContentType = HTTPHeaders([("content-type", "text/plain; charset=utf-8")])
}
