import CTidegateSystem

#if canImport(Glibc)
import Glibc
#endif

/// Polls files (by default every second) and calls back when any of them changes: certificates,
/// keys, client CAs and policy files alike.
///
/// A change is a different device/inode, size or modification time of the file reached by following
/// symlinks, which catches Kubernetes Secret and ConfigMap volume updates (an atomic `..data` symlink
/// swap) as well as in-place rewrites. The callback runs on the watcher's thread.
public final class FileWatcher: Sendable {
    private let worker: StoppableThread

    public init(
        paths: [String], interval: Duration = .seconds(1), onChange: @escaping @Sendable () -> Void
    ) throws(TransportError) {
        let milliseconds = Int32(clamping: max(1, interval.nanoseconds / 1_000_000))
        // Taken before the thread starts, so a change right after init is never mistaken for the baseline.
        let baseline = paths.map(Self.fingerprint)
        worker = try StoppableThread { stopFD in
            var seen = baseline
            var wake = pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)
            while poll(&wake, 1, milliseconds) == 0 || wake.revents == 0 {
                let current = paths.map(Self.fingerprint)
                if current != seen {
                    seen = current
                    onChange()
                }
            }
        }
    }

    struct Fingerprint: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    static func fingerprint(_ path: String) -> Fingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Fingerprint(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
    }

    public func stop() { worker.stop() }

    deinit { stop() }
}
