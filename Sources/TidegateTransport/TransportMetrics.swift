import Synchronization

/// Thread-safe counters the server exports as metrics. Updated by the event loops; read any time.
public final class TransportMetrics: Sendable {
    private let open = Atomic<Int>(0)
    private let accepted = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let handshakes = Atomic<Int>(0)
    private let resumed = Atomic<Int>(0)
    private let failures = Locked<[String: Int]>([:])
    private let timeouts = Locked<[String: Int]>([:])
    private let pollsWithEvent = Atomic<Int>(0)
    private let pollsExpired = Atomic<Int>(0)
    private let pollsBusy = Atomic<Int>(0)

    public init() {}

    /// A consistent-enough copy of all counters.
    public struct Snapshot: Sendable, Equatable {
        /// Connections currently open (TLS handshake in progress included).
        public var openConnections: Int
        /// Connections accepted and served (not counting those refused by the connection limit).
        public var acceptedConnections: Int
        /// Connections accepted and closed at once because their listener's cap was reached.
        public var rejectedConnections: Int
        /// Completed TLS handshakes, and how many of them resumed a session.
        public var completedHandshakes: Int
        public var resumedHandshakes: Int
        /// Failed TLS handshakes by reason ("timeout", "connection_closed", or OpenSSL's reason
        /// such as "unsupported_protocol", "http_request", "peer_did_not_return_a_certificate").
        public var handshakeFailures: [String: Int]
        /// Connections closed by a timeout, by phase ("handshake", "idle", "request_read", "write",
        /// "request_deadline"); an HTTP/2 stream reset by its read limit or its own `?timeout=`
        /// counts as "request_read" or "request_deadline".
        public var timeouts: [String: Int]
        /// Event-loop waits after a turn that served one connection, with idle polling on, by outcome
        /// ("event": the next event came while polling, "expired": it did not and the loop slept;
        /// "busy": no core was free, so the loop slept without polling).
        public var idlePolls: [String: Int]

        public var totalHandshakeFailures: Int { handshakeFailures.values.reduce(0, +) }
    }

    public func snapshot() -> Snapshot {
        Snapshot(
            openConnections: open.load(ordering: .relaxed),
            acceptedConnections: accepted.load(ordering: .relaxed),
            rejectedConnections: rejected.load(ordering: .relaxed),
            completedHandshakes: handshakes.load(ordering: .relaxed),
            resumedHandshakes: resumed.load(ordering: .relaxed),
            handshakeFailures: failures.withLock { $0 },
            timeouts: timeouts.withLock { $0 },
            idlePolls: [
                IdlePoll.Outcome.event.rawValue: pollsWithEvent.load(ordering: .relaxed),
                IdlePoll.Outcome.expired.rawValue: pollsExpired.load(ordering: .relaxed),
                IdlePoll.Outcome.busy.rawValue: pollsBusy.load(ordering: .relaxed),
            ])
    }

    /// Reserves a slot of `quota` for a new connection; false (counted as rejected) means refuse.
    func admit(_ quota: ConnectionQuota) -> Bool {
        guard quota.admit() else {
            rejected.add(1, ordering: .relaxed)
            return false
        }
        open.add(1, ordering: .relaxed)
        accepted.add(1, ordering: .relaxed)
        return true
    }

    func connectionClosed(_ quota: ConnectionQuota) {
        quota.release()
        open.subtract(1, ordering: .relaxed)
    }
    func handshakeCompleted(resumed wasResumed: Bool) {
        handshakes.add(1, ordering: .relaxed)
        if wasResumed { resumed.add(1, ordering: .relaxed) }
    }
    func handshakeFailed(reason: String) { failures.withLock { $0[reason, default: 0] += 1 } }
    func idlePolled(_ outcome: IdlePoll.Outcome) {
        switch outcome {
        case .event: pollsWithEvent.add(1, ordering: .relaxed)
        case .expired: pollsExpired.add(1, ordering: .relaxed)
        case .busy: pollsBusy.add(1, ordering: .relaxed)
        }
    }
    func timedOut(phase: String) { timeouts.withLock { $0[phase, default: 0] += 1 } }
}

/// Open-connection slots shared by the listeners that draw on them.
final class ConnectionQuota: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    func admit() -> Bool {
        if open.add(1, ordering: .relaxed).newValue > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.subtract(1, ordering: .relaxed) }
}
