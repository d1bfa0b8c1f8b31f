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
