import Synchronization
import TidegateTransport

/// What the test handlers saw, shared with the test body.
final class HandlerLog: Sendable {
    let infos = Mutex<[ConnectionInfo]>([])
    let shutdownRequests = Atomic<Int>(0)
    let closedCount = Atomic<Int>(0)
    let receivedBytes = Atomic<Int>(0)
}

/// Answers each request (bytes up to a blank line) with a fixed HTTP/1.1 200 whose body describes
/// the connection, so curl and s_client can check ALPN and client-certificate plumbing end to end.
/// `Connection: close` in a request, or a drain, makes it close after the response.
final class FixedResponseHandler: ConnectionHandler {
    private var pending: [UInt8] = []
    private var draining = false
    private let body: [UInt8]
    private let log: HandlerLog

    init(info: ConnectionInfo, log: HandlerLog) {
        self.log = log
        log.infos.withLock { $0.append(info) }
        let text = "alpn=\(info.applicationProtocol ?? "none") tls=\(info.tlsVersion ?? "none") "
            + "client=\(info.clientCertificateSubject ?? "none") sni=\(info.serverName ?? "none")\n"
        body = Array(text.utf8)
    }

    static let terminator: [UInt8] = Array("\r\n\r\n".utf8)

    func received(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8]) -> ConnectionDisposition {
        pending.append(contentsOf: bytes)
        log.receivedBytes.add(bytes.count, ordering: .relaxed)
        while let end = headerEnd() {
            let request = String(decoding: pending[..<end], as: UTF8.self).lowercased()
            pending.removeSubrange(..<end)
            let closing = draining || request.contains("connection: close")
            output.append(contentsOf: Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n".utf8))
            output.append(contentsOf: Array((closing ? "Connection: close\r\n\r\n" : "\r\n").utf8))
            output.append(contentsOf: body)
            if closing { return .closeAfterFlush }
        }
        // An unfinished request this large is abuse: drop the connection.
        return pending.count <= 64 << 10 ? .keepOpen : .closeNow
    }

    private func headerEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4) where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    var timeoutPhase: ConnectionTimeoutPhase { pending.isEmpty ? .idle : .readingRequest }

    func shutdownRequested(output: inout [UInt8]) -> ConnectionDisposition {
        log.shutdownRequests.add(1, ordering: .relaxed)
        draining = true
        return pending.isEmpty ? .closeNow : .keepOpen
    }

    func closed() { log.closedCount.add(1, ordering: .relaxed) }
}

/// A shareable counter for callbacks in tests.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    func increment() { storage.add(1, ordering: .sequentiallyConsistent) }
    var value: Int { storage.load(ordering: .sequentiallyConsistent) }
}

/// A shareable list of events for callbacks in tests.
final class EventList: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ event: String) { storage.withLock { $0.append(event) } }
    var events: [String] { storage.withLock { $0 } }
}
