#if canImport(Glibc)
import Glibc
#endif

func fileIsReadable(_ path: String) -> Bool {
    access(path, R_OK) == 0
}

/// Writes `bytes` to `path` atomically enough for PEM files (write then rename), with `mode` permissions.
func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(TransportError) {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw .fileWriteFailed(path: path, errno: errno) }
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw .fileWriteFailed(path: path, errno: code)
        }
        offset += n
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw .fileWriteFailed(path: path, errno: errno) }
}

/// The contents of a small text file (`/proc`, cgroup files), or nil when it cannot be read or
/// is larger than `limit` bytes.
func readSmallTextFile(_ path: String, limit: Int = 4 << 20) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(contentsOf: chunk[..<n])
        if bytes.count > limit { return nil }
    }
}
