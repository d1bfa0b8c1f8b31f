/// Values whose release waits until the event loop's turn ends, after the turn's answers were
/// written. Freeing the parsed document of the 60 KB review costs 16,000 instructions under the
/// default policy and 73,000 with the Pod Security Standards on (callgrind, decode with and
/// without the release): deallocation nobody waits for, so the answer need not wait for it either.
/// Off a loop thread (tests, the CLI) a value is released at once, as if never held.
public enum DeferredRelease {
    /// Past this many values a turn releases what it holds early, so memory stays bounded.
    static let limit = 64

    public static func hold(_ value: Any) {
        guard let turn = HeldValues.current else { return }
        if turn.values.count >= limit { turn.releaseAll() }
        turn.values.append(value)
    }
}

/// What an event-loop thread holds for `DeferredRelease` during its current turn.
final class HeldValues {
    var values: [Any] = []

    private init() { values.reserveCapacity(DeferredRelease.limit) }

    func releaseAll() { values.removeAll(keepingCapacity: true) }

    private static let slot = ThreadSlot<HeldValues>()

    static var current: HeldValues? { slot.current }

    /// Makes the calling thread hold values until `releaseAll()`; undone by `uninstall()`.
    static func install() -> HeldValues {
        let held = HeldValues()
        slot.install(held)
        return held
    }

    func uninstall() {
        releaseAll()
        Self.slot.uninstall()
    }
}
