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
        if let batch = LineBatch.current {
            if batch.fileDescriptor != fd {
                batch.flush()
                batch.fileDescriptor = fd
            }
            build(&batch.bytes)
            if batch.bytes.count >= LineBatch.flushThreshold { batch.flush() }
            return
        }
        var line: [UInt8] = []
        line.reserveCapacity(512)
        build(&line)
        write(line, to: fd)
    }

    private static let lock = Locked<Void>(())

    static func write(_ bytes: [UInt8], to fd: Int32) {
        guard !bytes.isEmpty else { return }
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 {
                        offset += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        return  // a log that cannot be written is dropped, never waited for
                    }
                }
            }
        }
    }
}

/// The lines an event-loop thread produced during its current turn.
final class LineBatch {
    /// Past this much the batch is written early, so one busy turn cannot hold much memory.
    static let flushThreshold = 32 << 10

    var bytes: [UInt8] = []
    var fileDescriptor: Int32 = -1

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var current: LineBatch? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<LineBatch>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Makes the calling thread hold its lines until `flush()`; undone by `uninstall()`.
    static func install() -> LineBatch {
        let batch = LineBatch()
        batch.bytes.reserveCapacity(4096)
        pthread_setspecific(key, Unmanaged.passRetained(batch).toOpaque())
        return batch
    }

    func uninstall() {
        flush()
        guard let raw = pthread_getspecific(Self.key) else { return }
        pthread_setspecific(Self.key, nil)
        Unmanaged<LineBatch>.fromOpaque(raw).release()
    }

    func flush() {
        guard !bytes.isEmpty else { return }
        LineOutput.write(bytes, to: fileDescriptor)
        if bytes.capacity > 2 * Self.flushThreshold {
            bytes = []
            bytes.reserveCapacity(4096)
        } else {
            bytes.removeAll(keepingCapacity: true)
        }
    }
}
