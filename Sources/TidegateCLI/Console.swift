#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Standard streams, without Foundation's buffering surprises on exit.
enum Console {
    static func out(_ text: String) {
        write(1, text)
    }

    static func error(_ text: String) {
        write(2, text.hasSuffix("\n") ? text : text + "\n")
    }

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Reads all of standard input.
    static func readStandardInput() -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n > 0 { data.append(contentsOf: buffer[0..<n]) }
            else if n < 0 && errno == EINTR { continue }
            else { break }
        }
        return data
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n }
            else if n < 0 && errno == EINTR { continue }
            else { return }
        }
        bytes.removeAll()
    }
}
