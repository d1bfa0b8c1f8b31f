import CTidegateSystem

#if canImport(Glibc)
import Glibc
#endif

/// How an event loop waits for its next event after a turn that received a request's bytes: first by
/// asking epoll without sleeping, for at most `window`, and only then by blocking. Off unless
/// configured (`--idle-poll`).
///
/// Why: on a virtual machine, where most Kubernetes nodes run, a vCPU with nothing to do halts,
/// and waking it for the next request costs tens of microseconds (about 40 µs of a 170 µs round
/// trip on the benchmark machine, whose guest halt polling is off). A request that arrives while
/// the loop still polls skips that wake-up: one connection sending small reviews back to back
/// measured p50 149 → 87 µs (HTTP/1.1, pod-small) with a 100 µs window.
///
/// Why it is not the default (same benchmark): a request whose next one comes later than the
/// window (a 60 KB review takes the client longer to send) gains nothing and pays the whole window
/// in CPU; and under load, polling picks up a large body one TLS record per turn instead of several,
/// which cost pod-large 20–45 µs more CPU per request at 16 connections.
///
/// Limits that keep the cost bounded when it is on:
/// - only after a turn that received bytes from a connection: an idle server (timers, reloads,
///   connections accepted or becoming writable) never polls;
/// - only while a core is free: the kernel's count of runnable threads (`/proc/loadavg`, this
///   thread included) must not exceed the CPUs this process may run on, so polling never takes a
///   core another thread is waiting for;
/// - at most `window` of CPU per served turn (a 100 µs window: 1 % of a core at 100 requests/s).
///
/// In a container the two sides of the free-core test have different scopes: `/proc/loadavg`
/// counts the whole node's runnable threads, the CPUs are this process's affinity (all of the
/// node's, unless CPU-pinned). A pod pinned to few CPUs of a busy node therefore rarely polls;
/// one limited only by a CPU quota polls out of that quota (at most the window per request).
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

    let windowNanoseconds: UInt64
    private let cores: Int
    private let loadAverage: Int32

    /// A zero window switches polling off (and opens nothing).
    init(windowNanoseconds: UInt64) {
        self.windowNanoseconds = windowNanoseconds
        cores = Int(tg_allowed_cpus())
        loadAverage = windowNanoseconds == 0 ? -1 : Glibc.open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if loadAverage >= 0 { close(loadAverage) }
    }

    var enabled: Bool { windowNanoseconds > 0 }

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
