import Synchronization

/// Request-body bytes a whole server buffers at once, across every connection and event loop.
///
/// Each connection already caps its own bodies (`HTTPLimits.maxBodyBytes`, and HTTP/2's
/// per-connection total), but the sum over connections was bounded only by the connection
/// limit: forty connections each sending most of a 3 MiB body and then waiting hold 120 MiB,
/// past a pod's memory limit, and an out-of-memory kill of the webhook blocks every pod
/// admission its `failurePolicy: Fail` covers. Past the budget a request gets 503 (retryable)
/// and the bytes it would have added are never buffered.
public final class BodyBudget: Sendable {
    /// The most body bytes held at once.
    public let capacity: Int
    private let used = Atomic<Int>(0)

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Body bytes held right now.
    public var bytesInUse: Int { used.load(ordering: .relaxed) }

    /// Extends `reservation` (made on first use) to `total` bytes of this budget; false when that
    /// many are not left. How the codecs hold a request body's share.
    public func cover(_ reservation: inout BodyReservation?, total: Int) -> Bool {
        if reservation == nil { reservation = BodyReservation(self) }
        return reservation!.cover(total)
    }

    /// Takes `count` bytes of the budget if that many are left.
    func reserve(_ count: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            guard count <= capacity - current else { return false }
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ count: Int) {
        used.subtract(count, ordering: .relaxed)
    }
}

/// The share of a `BodyBudget` one request body holds. It is given back when the reservation
/// ends, however the request ends (answered, rejected, reset, or its connection closed): the
/// codecs drop their reference and nothing has to remember to release.
public final class BodyReservation: @unchecked Sendable {  // owned by one connection, on one loop
    let budget: BodyBudget
    private(set) var bytes = 0

    init(_ budget: BodyBudget) {
        self.budget = budget
    }

    /// Extends the reservation to `total` bytes; false (and unchanged) when the budget has not
    /// that much left.
    func cover(_ total: Int) -> Bool {
        guard total > bytes else { return true }
        guard budget.reserve(total - bytes) else { return false }
        bytes = total
        return true
    }

    deinit {
        if bytes > 0 { budget.release(bytes) }
    }
}
