#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Reads a whole file with POSIX calls.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out.append(contentsOf: buffer[0..<n]) }
            else if n < 0 && errno == EINTR { continue }
            else if n < 0 { return nil }
            else { return out }
        }
    }
}
