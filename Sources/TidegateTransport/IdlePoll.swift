import CTidegateSystem

#if canImport(Glibc)
import Glibc
#endif

/// How an event loop waits for its next event after a turn that received a request's bytes: first by
/// asking epoll without sleeping, for at most the current window, and only then by blocking.
/// `--idle-poll` sets the longest window (`tidegate serve`: 200 µs; 0 switches polling off).
///
/// Why: on a virtual machine, where most Kubernetes nodes run, a vCPU with nothing to do halts,
/// and waking it for the next request costs tens of microseconds (about 40 µs of a 170 µs round
/// trip on the benchmark machine, whose guest halt polling is off). A request that arrives while
/// the loop still polls skips that wake-up: one connection sending reviews back to back measured,
/// with a 200 µs window, p50/p99 130/210 → 70/125 µs on pod-small over HTTP/1.1 and 290 → 230 µs
/// p99 on pod-large.
///
/// The window adapts as KVM's halt polling does (`observe(waited:)`): a wait that outlasted the
/// longest window halves it (down to none), one the current window was too short for but the longest
/// would have covered doubles it (from 10 µs). Steady back-to-back traffic keeps polling; requests
/// further apart than the longest window stop it after a few, so a webhook called now and then
/// does not pay the window after every call. A fixed window had cost a whole window of CPU per
/// request whenever the next one came later.
///
/// Limits that keep the cost bounded:
/// - only after a turn that received bytes from exactly one connection, which the served turn
///   before it also served alone (`worthPolling`): an idle server (timers, reloads, connections
///   accepted or becoming writable) never polls, and a loop serving several connections is under
///   load, where the next event is near anyway and a spinning loop takes the core its clients need.
///   One-connection turns alone were not enough: two loops sharing 16 connections mostly serve
///   one connection a turn, a different one each time (pod-small over HTTP/1.1, 4 s: 26,000 such
///   turns, 3,500 polls, 22,600 reads of `/proc/loadavg` that found no core free; 30k requests/s
///   against 36k with polling off). A connection served twice in a row is a client waiting on its
///   answers; several taking turns are load;
/// - only while a core is free: the kernel's count of runnable threads (`/proc/loadavg`, this
///   thread included) must not exceed the CPUs this process may run on, so polling never takes a
///   core another thread is waiting for;
/// - at most the current window of CPU per served turn; under load the next events are already
///   there, and a poll that finds them costs one non-blocking epoll_wait.
///
/// In a container the two sides of the free-core test have different scopes: `/proc/loadavg`
/// counts the whole node's runnable threads, the CPUs are this process's affinity (all of the
/// node's, unless CPU-pinned). A pod pinned to few CPUs of a busy node therefore rarely polls;
/// one whose CPU quota binds does not poll by default (`ServerConfiguration.defaultIdlePoll`):
/// polling would spend the quota.
struct IdlePoll: ~Copyable {
    /// Why a poll ended, as counted in `TransportMetrics` (`tidegate_idle_polls_total{outcome}`).
    enum Outcome: String, CaseIterable, Sendable {
        /// An event arrived while polling: the wake-up this exists to save.
        case event
        /// The window passed without one; the loop then blocked as it would have.
        case expired
        /// Not polled: no core was free.
        case busy
    }

    /// The longest window (nanoseconds); 0: polling is off.
    let longestWindow: UInt64
    /// The window the next poll uses; starts at the longest.
    private(set) var window: UInt64
    private let cores: Int
    private let loadAverage: Int32

    /// The window a grown-from-nothing poll starts with.
    static let firstWindow: UInt64 = 10_000

    /// A zero window switches polling off (and opens nothing).
    init(windowNanoseconds: UInt64) {
        longestWindow = windowNanoseconds
        window = windowNanoseconds
        cores = Int(tg_allowed_cpus())
        loadAverage = windowNanoseconds == 0 ? -1 : Glibc.open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if loadAverage >= 0 { close(loadAverage) }
    }

    var enabled: Bool { longestWindow > 0 }

    /// Polling pays after a turn that served one connection, when the served turn before it served
    /// that same one alone: the wait for its next request is a round trip through the client, long
    /// enough for the vCPU to halt. Connections taking turns are load, not a client waiting.
    static func worthPolling(after turn: TurnReceivers, servedTurnBefore: TurnReceivers) -> Bool {
        if case .one = turn { return turn == servedTurnBefore }
        return false
    }

    /// After a served turn the loop waited `waited` nanoseconds (polling, then blocking) for its
    /// next event: adapt the window to what would have caught it.
    mutating func observe(waited: UInt64) {
        window = Self.nextWindow(current: window, longest: longestWindow, waited: waited)
    }

    /// KVM's rule: a wait the window covered leaves it; a wait past the longest window halves it
    /// (below `firstWindow`, to none); a wait the longest window would have covered doubles it.
    static func nextWindow(current: UInt64, longest: UInt64, waited: UInt64) -> UInt64 {
        if waited <= current { return current }
        if waited > longest {
            let halved = current / 2
            return halved < firstWindow ? 0 : halved
        }
        return min(longest, max(firstWindow, current * 2))
    }

    /// Whether a core is free for polling right now. Without `/proc/loadavg` (or if it cannot be
    /// read) the answer is no: never poll blind.
    func coreIsFree() -> Bool {
        guard loadAverage >= 0 else { return false }
        // "0.42 0.37 0.31 2/187 12345\n": at most ~60 bytes.
        return withUnsafeTemporaryAllocation(byteCount: 128, alignment: 1) { buffer -> Bool in
            let count = pread(loadAverage, buffer.baseAddress, buffer.count, 0)
            guard count > 0 else { return false }
            guard let runnable = Self.runnableThreads(inLoadAverage: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            else { return false }
            return Self.coreIsFree(runnableThreads: runnable, cores: cores)
        }
    }

    /// The polling thread counts itself among the runnable ones: polling is fine while no more
    /// threads want to run than there are cores.
    static func coreIsFree(runnableThreads: Int, cores: Int) -> Bool {
        runnableThreads <= cores
    }

    /// The fourth field of `/proc/loadavg` is "runnable/total" scheduling entities; nil when the
    /// text does not have that shape.
    static func runnableThreads(inLoadAverage text: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        var fields = 0
        while i < text.count, fields < 3 {
            if text[i] == UInt8(ascii: " ") { fields += 1 }
            i += 1
        }
        guard fields == 3 else { return nil }
        var value = 0
        var digits = 0
        while i < text.count, text[i] >= UInt8(ascii: "0"), text[i] <= UInt8(ascii: "9"), digits < 9 {
            value = value * 10 + Int(text[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        guard digits > 0, i < text.count, text[i] == UInt8(ascii: "/") else { return nil }
        return value
    }
}

/// Which connections an event loop's turn handed bytes to, as far as the idle poll cares.
enum TurnReceivers: Equatable {
    case none
    /// One connection, by its serial.
    case one(UInt64)
    case several

    /// Notes bytes handed to the connection with `serial`.
    mutating func add(_ serial: UInt64) {
        switch self {
        case .none: self = .one(serial)
        case .one(let first) where first != serial: self = .several
        case .one, .several: break
        }
    }
}
