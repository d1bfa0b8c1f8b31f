#if canImport(Glibc)
import Glibc
#endif

/// Whole text lines for a file descriptor (the log). On an event-loop thread the lines of one
/// turn are held and written together just before the loop waits again: one write(2) for all the
/// decisions of an epoll batch instead of one per request. Elsewhere a line is written at once.
/// Every write(2) happens under one process-wide lock and is retried until complete, so lines
/// from different threads never interleave, even past PIPE_BUF.
public enum LineOutput {
    /// Appends what `build` writes (one or more complete lines, newline included) for `fd`.
    public static func append(to fd: Int32, _ build: (inout [UInt8]) -> Void) {
        var line: [UInt8] = []
        line.reserveCapacity(512)
        build(&line)
        line.withUnsafeBufferPointer { line in
            append(to: fd, reserving: line.count) { start in
                if let base = line.baseAddress { start.update(from: base, count: line.count) }
                return line.count
            }
        }
    }

    /// Appends complete lines that `build` writes at the pointer it is given, at most `bound`
    /// bytes, returning how many it wrote. On a loop thread they go straight into the batch.
    public static func append(to fd: Int32, reserving bound: Int, _ build: (UnsafeMutablePointer<UInt8>) -> Int) {
        if let batch = LineBatch.current {
            if batch.fileDescriptor != fd {
                batch.flush()
                batch.fileDescriptor = fd
            }
            let written = build(batch.reserve(bound))
            precondition(written <= bound, "a line overran its reserved space")
            batch.count += written
            if batch.count >= LineBatch.flushThreshold { batch.flush() }
            return
        }
        let line = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bound, 1))
        defer { line.deallocate() }
        let written = build(line)
        precondition(written <= bound, "a line overran its reserved space")
        write(UnsafeRawBufferPointer(start: line, count: written), to: fd)
    }

    private static let lock = Locked<Void>(())

    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    // A failed write (EAGAIN on a non-blocking fd, EPIPE, ...) drops the rest of
                    // the batch rather than retry. A blocking stderr whose reader stalls (a full
                    // container log pipe) does make the writer wait, like any logger writing it.
                    return
                }
            }
        }
    }
}

/// The lines an event-loop thread produced during its current turn.
final class LineBatch {
    /// Past this much the batch is written early, so one busy turn cannot hold much memory.
    static let flushThreshold = 32 << 10
    private static let initialCapacity = 4096

    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes held.
    var count = 0
    var fileDescriptor: Int32 = -1

    private init() {
        capacity = Self.initialCapacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Room for `bound` more bytes, at the end of what is held.
    func reserve(_ bound: Int) -> UnsafeMutablePointer<UInt8> {
        if count + bound > capacity {
            var grown = capacity * 2
            while grown < count + bound { grown *= 2 }
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            larger.update(from: storage, count: count)
            storage.deallocate()
            storage = larger
            capacity = grown
        }
        return storage + count
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    private static let slot = ThreadSlot<LineBatch>()

    static var current: LineBatch? { slot.current }

    /// Makes the calling thread hold its lines until `flush()`; undone by `uninstall()`.
    static func install() -> LineBatch {
        let batch = LineBatch()
        slot.install(batch)
        return batch
    }

    func uninstall() {
        flush()
        Self.slot.uninstall()
    }

    func flush() {
        guard count > 0 else { return }
        LineOutput.write(bytes, to: fileDescriptor)
        count = 0
        // Give back what one busy turn grew.
        if capacity > 2 * Self.flushThreshold {
            storage.deallocate()
            capacity = Self.initialCapacity
            storage = .allocate(capacity: capacity)
        }
    }
}
