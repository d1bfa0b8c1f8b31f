import TidegateJSON
import TidegatePolicy

/// Which webhook endpoint a review arrived on.
public enum AdmissionEndpoint: String, Sendable {
    /// ValidatingWebhookConfiguration: allow or deny; never a patch.
    case validate
    /// MutatingWebhookConfiguration: always allows, carrying the auto-applicable fixes as a
    /// JSON Patch. Enforcement stays with /validate, which the apiserver calls after mutation.
    case mutate
}

/// What the server logs and counts for one decision.
public struct AdmissionDecision: Sendable {
    public var uid: String
    public var kind: String
    public var namespace: String
    public var name: String
    public var operation: String
    public var username: String
    public var allowed: Bool
    /// Why no policy ran, when none did ("DELETE is not checked", "namespace kube-system is exempt").
    public var skippedBecause: String?
    /// Rule id and the action each finding took.
    public var findings: [(rule: String, action: RuleAction)]
    /// Operations in the response patch (mutating endpoint).
    public var patchOperations: Int
}

/// The outcome of one review: the exact response and the decision behind it.
public struct AdmissionOutcome: Sendable {
    public var response: AdmissionReviewResponse
    public var decision: AdmissionDecision

    public var body: [UInt8] { response.bytes }
}

/// A request body that is not an AdmissionReview the engine can answer (HTTP 400).
public struct AdmissionRequestError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// The seam between transport and policy: request bytes in, response bytes out. The server
/// and `tidegate review` both call this, so curl and the CLI see the same answer.
public struct AdmissionEngine: Sendable {
    public let policy: Policy
    /// Reads only what this policy's checks need.
    private let filter: JSONFieldFilter
    /// The policy as UPDATE requests see it (`Policy.forUpdate`).
    private let updatePolicy: Policy
    /// The checks each turns on, resolved once.
    private let plan: CheckPlan
    private let updatePlan: CheckPlan
    /// The rules whose fixes `/mutate` applies.
    private let autoApply: Set<String>

    public init(policy: Policy) {
        self.policy = policy
        self.filter = AdmissionReviewRequest.filter(for: policy)
        self.updatePolicy = policy.forUpdate
        self.plan = CheckPlan(policy: policy)
        self.updatePlan = CheckPlan(policy: updatePolicy)
        self.autoApply = Set(policy.mutation.autoApply)
    }

    public func handle(_ body: [UInt8], endpoint: AdmissionEndpoint) throws(AdmissionRequestError) -> AdmissionOutcome {
        review(try decode(body), endpoint: endpoint)
    }

    /// Decodes a review's bytes, building only what this policy's checks read.
    public func decode(_ body: [UInt8]) throws(AdmissionRequestError) -> AdmissionReviewRequest {
        try AdmissionReviewRequest(bytes: body, filter: filter)
    }

    public func review(_ request: AdmissionReviewRequest, endpoint: AdmissionEndpoint) -> AdmissionOutcome {
        var response = AdmissionReviewResponse(version: request.version, uid: request.uid, allowed: true)
        var decision = AdmissionDecision(
            uid: request.uid, kind: request.kind, namespace: request.namespace, name: request.name,
            operation: request.operation, username: request.username, allowed: true,
            skippedBecause: nil, findings: [], patchOperations: 0)

        let scope: ContainerScope
        switch skipReason(request) {
        case .some(let reason):
            decision.skippedBecause = reason
            return AdmissionOutcome(response: response, decision: decision)
        case .none:
            scope = request.subResource == "ephemeralcontainers" ? .ephemeralOnly : .all
        }

        let object = objectWithKind(request)
        guard let pod = PodUnderReview(object: object) else {
            decision.skippedBecause = "\(request.kind) carries no pod spec"
            return AdmissionOutcome(response: response, decision: decision)
        }

        // Rules the policy does not apply to UPDATE neither deny nor patch it.
        let isUpdate = request.operation == "UPDATE"
        let (policy, plan) = isUpdate ? (updatePolicy, updatePlan) : (policy, plan)
        if endpoint == .mutate {
            let result = PolicyEngine.fix(object, policy: policy, plan: plan, pod: pod, scope: scope) {
                autoApply.contains($0.rule)
            }
            if !result.patch.operations.isEmpty { response.patch = result.patch }
            decision.patchOperations = result.patch.operations.count
            return AdmissionOutcome(response: response, decision: decision)
        }

        let evaluation = PolicyEngine.evaluate(pod, policy: policy, plan: plan, scope: scope, fixes: .denials)
        var denials: [Finding] = []
        var warnings: [Finding] = []
        var audited: [Finding] = []
        denials.reserveCapacity(evaluation.findings.count)
        warnings.reserveCapacity(evaluation.findings.count)
        decision.findings.reserveCapacity(evaluation.findings.count)
        for finding in evaluation.findings {
            let effective: RuleAction
            switch (finding.action, policy.mode) {
            case (.deny, .enforce): effective = .deny; denials.append(finding)
            case (.deny, .audit): effective = .deny; audited.append(finding)
            default: effective = .warn; warnings.append(finding)
            }
            decision.findings.append((finding.rule, effective))
        }

        if !denials.isEmpty {
            response.allowed = false
            response.statusCode = 403
            response.statusMessageText = DenialMessage.render(
                denials, request: request, kind: request.kind.isEmpty ? pod.kind.rawValue : request.kind)
        }
        response.warningTexts = WarningBudget.render(warnings)
        // Audit mode records what enforce would have denied; in enforce mode the denial itself
        // (status.message) is what the audit log keeps.
        if !audited.isEmpty {
            response.auditAnnotations = AuditAnnotations.render(audited, mode: policy.mode)
        }
        decision.allowed = response.allowed
        return AdmissionOutcome(response: response, decision: decision)
    }

    /// Why a request is allowed without looking at it, or nil when it must be checked.
    private func skipReason(_ request: AdmissionReviewRequest) -> String? {
        switch request.operation {
        case "DELETE", "CONNECT": return "\(request.operation) is not checked"
        default: break
        }
        if !request.subResource.isEmpty && !(request.resource == "pods" && request.subResource == "ephemeralcontainers") {
            return "subresource \(request.resource)/\(request.subResource) is not checked"
        }
        return policy.exemptions.reason(namespace: request.namespace, username: request.username, groups: request.groups)
    }

    /// The object, with `kind` taken from the request when the object omits it.
    private func objectWithKind(_ request: AdmissionReviewRequest) -> JSONValue {
        guard case .object(var o) = request.object else { return request.object }
        if o["kind"]?.stringValue == nil, !request.kind.isEmpty {
            o["kind"] = .string(request.kind)
        }
        return .object(o)
    }
}
