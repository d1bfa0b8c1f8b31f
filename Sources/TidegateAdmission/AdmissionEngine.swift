import TidegatePolicy

/// Which webhook endpoint a review arrived on.
public enum AdmissionEndpoint: String, Sendable {
    case validate
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
    /// Rule ids of the findings, with the action each one took (`deny`, `warn`).
    public var findings: [(rule: String, action: String)]
}

/// The outcome of one review: the exact response bytes and the decision behind them.
public struct AdmissionOutcome: Sendable {
    public var body: [UInt8]
    public var decision: AdmissionDecision
}

/// A request body that is not an AdmissionReview the engine can answer (HTTP 400).
public struct AdmissionRequestError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// The seam between transport and policy: request bytes in, response bytes out.
public struct AdmissionEngine: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    public func handle(_ body: [UInt8], endpoint: AdmissionEndpoint) throws(AdmissionRequestError) -> AdmissionOutcome {
        throw AdmissionRequestError("not implemented yet")
    }
}
