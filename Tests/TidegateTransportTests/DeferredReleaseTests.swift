import Foundation
import Testing
@testable import TidegateTransport

/// An event loop frees what a request left behind after the turn's answers are written.
@Suite("Deferred release")
struct DeferredReleaseTests {
    /// Counts its own deinits.
    final class Tracked: @unchecked Sendable {
        let freed: Freed
        init(_ freed: Freed) { self.freed = freed }
        deinit { freed.count += 1 }
    }

    final class Freed: @unchecked Sendable { var count = 0 }

    /// Runs `body` on a fresh thread, as a loop thread runs its turns.
    func onThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
        done.wait()
    }

    @Test("on a loop thread, held values live until the turn ends")
    func heldUntilTheTurnEnds() {
        let freed = Freed()
        let seen = Seen()
        onThread {
            let held = HeldValues.install()
            DeferredRelease.hold(Tracked(freed))
            DeferredRelease.hold(Tracked(freed))
            seen.counts.append(freed.count)
            held.releaseAll()
            seen.counts.append(freed.count)
            held.uninstall()
        }
        #expect(seen.counts == [0, 2])
    }

    @Test("a turn holds at most the limit; older values go first")
    func holdingIsBounded() {
        let freed = Freed()
        let seen = Seen()
        onThread {
            let held = HeldValues.install()
            for _ in 0..<(DeferredRelease.limit + 1) { DeferredRelease.hold(Tracked(freed)) }
            seen.counts.append(freed.count)
            seen.counts.append(held.values.count)
            held.uninstall()
            seen.counts.append(freed.count)
        }
        #expect(seen.counts == [DeferredRelease.limit, 1, DeferredRelease.limit + 1])
    }

    @Test("off a loop thread, a value is released at once")
    func notHeldOffTheLoop() {
        let freed = Freed()
        onThread { DeferredRelease.hold(Tracked(freed)) }
        #expect(freed.count == 1)
    }

    final class Seen: @unchecked Sendable { var counts: [Int] = [] }
}
