import CTidegateSystem
import Foundation
import Logging
import TidegateTransport

/// A fresh temporary directory per test.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "tidegate-transport-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A running server with a TLS listener ("https") and a plain listener ("plain"), both on "::"
/// (dual stack, so 127.0.0.1 and ::1 both reach it).
final class TestServer: @unchecked Sendable {
    let directory: String
    let certificates: DevCertificates
    let tls: ReloadableTLSContext
    let server: TransportServer
    let log = HandlerLog()
    let tlsPort: Int
    let plainPort: Int
    var metrics: TransportMetrics.Snapshot { server.metrics.snapshot() }

    init(
        configuration: TransportConfiguration = TransportConfiguration(eventLoops: 2),
        plainMaxConnections: Int? = nil,
        applicationProtocols: [String] = ["h2", "http/1.1"],
        clientAuthentication: (DevCertificates) -> TLSConfiguration.ClientAuthentication = { _ in .none }
    ) throws {
        directory = try makeTemporaryDirectory()
        certificates = try DevCertificates.generate(in: directory)
        tls = try ReloadableTLSContext(
            TLSConfiguration(
                certificateChainFile: certificates.certificateChainFile, privateKeyFile: certificates.privateKeyFile,
                applicationProtocols: applicationProtocols, clientAuthentication: clientAuthentication(certificates)))
        let log = self.log
        var logger = Logger(label: "transport-test")
        logger.logLevel = .warning
        server = TransportServer(
            configuration: configuration,
            listeners: [
                ListenerConfiguration(name: "https", host: "::", port: 0, tls: tls) { FixedResponseHandler(info: $0, log: log) },
                ListenerConfiguration(name: "plain", host: "::", port: 0, tls: nil, maxConnections: plainMaxConnections) {
                    FixedResponseHandler(info: $0, log: log)
                },
            ],
            logger: logger)
        try server.start()
        tlsPort = server.boundPort(of: "https") ?? -1
        plainPort = server.boundPort(of: "plain") ?? -1
    }

    func stop() {
        server.shutdown(gracePeriod: .seconds(5))
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Polls `condition` until it holds or `bound` (a generous upper bound, not a timing claim) passes.
func eventually(within bound: Duration = .seconds(30), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + bound
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

struct CommandResult {
    var status: Int32
    var output: String
}

/// Runs a command (bounded by coreutils `timeout`) with optional stdin, capturing stdout and stderr.
func run(_ arguments: [String], input: String? = nil, bound: Int = 60) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["\(bound)"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// A blocking IPv4 TCP client on 127.0.0.1 whose reads give up after a generous bound.
final class RawClient {
    let fd: Int32

    init(port: Int, receiveBound: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: receiveBound, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends all bytes; false if the connection broke (or the send bound passed) first.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    enum ReadEnd: Equatable {
        case closedByPeer  // EOF or reset: the server closed the connection
        case stillOpen  // the generous bound passed with the connection open
    }

    /// Reads until the peer closes (or the bound passes); returns what arrived and how it ended.
    func readUntilClosed() -> (bytes: [UInt8], end: ReadEnd) {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { collected.append(contentsOf: buffer[..<n]); continue }
            if n == 0 { return (collected, .closedByPeer) }
            if errno == EINTR { continue }
            return (collected, errno == EAGAIN ? .stillOpen : .closedByPeer)
        }
    }

    /// Reads until `marker` appears in what arrived (or the peer closes / the bound passes).
    func read(until marker: String) -> String {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !String(decoding: collected, as: UTF8.self).contains(marker) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            collected.append(contentsOf: buffer[..<n])
        }
        return String(decoding: collected, as: UTF8.self)
    }
}

let simpleRequest = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
