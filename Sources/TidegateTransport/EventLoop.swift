import COpenSSL
import CTidegateSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket as seen by one loop (the fd is shared by all loops).
final class LoopListener: Sendable {
    let fd: Int32
    let name: String
    let tls: ReloadableTLSContext?
    let factory: ConnectionHandlerFactory
    /// The connection slots this listener's connections take: the server's, or its own.
    let quota: ConnectionQuota

    init(fd: Int32, name: String, tls: ReloadableTLSContext?, factory: @escaping ConnectionHandlerFactory,
         quota: ConnectionQuota) {
        self.fd = fd
        self.name = name
        self.tls = tls
        self.factory = factory
        self.quota = quota
    }
}

/// Settings and counters every loop of a server reads.
struct LoopSettings: Sendable {
    var handshakeTimeout: UInt64
    var requestReadTimeout: UInt64
    var idleTimeout: UInt64
    var writeTimeout: UInt64
    var maxPendingOutputBytes: Int
    var readBufferSize: Int
    /// Nanoseconds; see `IdlePoll`.
    var idlePoll: UInt64
    var metrics: TransportMetrics
    var logger: Logger
}

enum LoopCommand: Sendable {
    /// Stop accepting, ask handlers to drain, close everything at the deadline (monotonic ns).
    case drain(deadline: UInt64)
}

/// One thread's epoll loop. Everything except `send(_:)` runs on the loop's own thread.
///
/// Readiness model: the shared listening sockets are level-triggered with EPOLLEXCLUSIVE (the kernel
/// wakes one loop per incoming connection burst; each loop accepts a bounded batch). Connections are
/// edge-triggered for both directions, registered once and never modified: the loop tracks
/// `readable`/`writable` itself and reads until EAGAIN/WANT_READ, so no epoll_ctl per request.
///
/// Fairness and memory: a connection gets at most `readsPerTurn` reads per pass (then it is served
/// again after the turn's other ready connections), and reading pauses while more than
/// `maxPendingOutputBytes` wait to be sent, so a peer that pipelines requests without reading answers
/// cannot grow our output buffer; the write timeout then closes it. Input is never buffered here: each
/// read goes straight to the handler. Answers are written after the turn's reading (`writeAnswers`).
///
/// A turn: epoll_wait; accept and read every ready connection, handing its bytes to its handler;
/// retry the connections whose read budget ran out; write the answers; expire timers; then, before
/// the next epoll_wait, write the turn's log lines and release what it held (`LineBatch`, `HeldValues`).
final class EventLoop: @unchecked Sendable {
    private let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private let settings: LoopSettings
    private let listeners: [LoopListener]
    private let commands = Locked<[LoopCommand]>([])

    // Loop-thread state.
    private var connections: [Connection?] = []
    private var connectionCount = 0
    private var timers = TimerHeap()
    private var readBuffer: UnsafeMutableRawBufferPointer
    private var events: UnsafeMutablePointer<tg_event>
    private let maxEvents: Int32 = 256
    /// Connections whose read budget ran out with data possibly left: served again after the
    /// turn's other ready connections (and in the next turn, without sleeping, if still unfinished).
    private var unfinished: [Connection] = []
    /// Connections with answers produced this turn, written when the turn's reading is done, or
    /// once the oldest has waited `answerHoldLimit`.
    private var answered: [Connection] = []
    /// When the oldest answer in `answered` was queued (monotonic ns).
    private var answersHeldSince: UInt64 = 0
    private var nextSerial: UInt64 = 0
    private var now: UInt64 = 0
    private var draining = false
    private var drainDeadline: UInt64 = .max
    private var running = true
    /// The connections this turn handed bytes to, and those of the last turn that handed any: what
    /// decides an idle poll.
    private var receivers = TurnReceivers.none
    private var receiversOfServedTurnBefore = TurnReceivers.none
    private var peerBuffer = [CChar](repeating: 0, count: 64)
    /// Set by the TLS sockets' BIO callback: whether the last read from the kernel drained the
    /// socket (1), filled the buffer (0), or did not happen (-1).
    private let tlsSocketDrained: UnsafeMutablePointer<Int32>
    private var idlePoll: IdlePoll

    private static let readsPerTurn = 32
    /// How long an answer may wait for the rest of its turn: a turn of 16 requests is ~0.5 ms of
    /// work, one of many handshakes or large bodies much longer, and the first answers should not
    /// wait for all of it. Half a turn of 16 typical requests still goes out in one burst.
    private static let answerHoldLimit: UInt64 = 250_000
    private static let acceptsPerTurn = 32

    init(index: Int, settings: LoopSettings, listeners: [LoopListener]) throws(TransportError) {
        self.index = index
        self.settings = settings
        self.listeners = listeners
        epollFD = tg_epoll_create()
        guard epollFD >= 0 else { throw .systemCallFailed(call: "epoll_create1", errno: tg_errno()) }
        wakeFD = tg_eventfd_create()
        guard wakeFD >= 0 else {
            let code = tg_errno()
            close(epollFD)
            throw .systemCallFailed(call: "eventfd", errno: code)
        }
        readBuffer = .allocate(byteCount: settings.readBufferSize, alignment: 16)
        events = .allocate(capacity: Int(maxEvents))
        tlsSocketDrained = .allocate(capacity: 1)
        tlsSocketDrained.initialize(to: -1)
        idlePoll = IdlePoll(windowNanoseconds: settings.idlePoll)
        guard tg_epoll_add(epollFD, wakeFD, TG_EPOLLIN | TG_EPOLLET, UInt64(wakeFD)) == 0 else {
            throw .systemCallFailed(call: "epoll_ctl(eventfd)", errno: tg_errno())
        }
        for listener in listeners {
            guard tg_epoll_add(epollFD, listener.fd, TG_EPOLLIN | TG_EPOLLEXCLUSIVE, UInt64(listener.fd)) == 0 else {
                throw .systemCallFailed(call: "epoll_ctl(listener)", errno: tg_errno())
            }
        }
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
        events.deallocate()
        tlsSocketDrained.deallocate()
    }

    /// Queues a command and wakes the loop. Callable from any thread.
    func send(_ command: LoopCommand) {
        commands.withLock { $0.append(command) }
        _ = tg_eventfd_signal(wakeFD)
    }

    // MARK: The loop

    func run() {
        settings.logger.debug("event loop started", metadata: ["loop": "\(index)"])
        let lines = LineBatch.install()
        let held = HeldValues.install()
        defer {
            held.uninstall()
            lines.uninstall()
        }
        while running {
            let timeout = unfinished.isEmpty ? waitMilliseconds() : 0
            // The turn's answers are written: now its log lines and the values it held.
            lines.flush()
            held.releaseAll()
            let count = waitForEvents(
                timeout: timeout,
                worthPolling: IdlePoll.worthPolling(after: receivers, servedTurnBefore: receiversOfServedTurnBefore))
            if receivers != .none { receiversOfServedTurnBefore = receivers }
            receivers = .none
            now = tg_monotonic_ns()
            if count < 0 {
                settings.logger.error("epoll_wait failed", metadata: ["errno": "\(tg_errno())"])
                break
            }
            for i in 0..<Int(count) {
                let event = events[i]
                let fd = Int32(truncatingIfNeeded: event.data)
                if fd == wakeFD {
                    tg_eventfd_drain(wakeFD)
                    runCommands()
                } else if let listener = listeners.first(where: { $0.fd == fd }) {
                    if !draining { acceptBatch(listener) }
                } else if let connection = connection(for: fd) {
                    ready(connection, events: event.events)
                }
                writeAnswersHeldTooLong()
            }
            if !unfinished.isEmpty {
                let retry = unfinished
                unfinished.removeAll(keepingCapacity: true)
                for connection in retry where connection === self.connection(for: connection.fd) {
                    drive(connection)
                    writeAnswersHeldTooLong()
                }
            }
            writeAnswers()
            expireTimers()
            if draining && (connectionCount == 0 || now >= drainDeadline) {
                closeAll()
                running = false
            }
        }
        settings.logger.debug("event loop stopped", metadata: ["loop": "\(index)"])
    }

    /// epoll_wait; when the turn before served one connection, the one the served turn before it
    /// served alone, and the loop would now sleep, it first polls for the next event (see `IdlePoll`
    /// for why, within which limits, and how the window adapts to how long such waits turn out).
    private func waitForEvents(timeout: Int32, worthPolling: Bool) -> Int32 {
        guard worthPolling, timeout != 0, idlePoll.enabled else {
            return tg_epoll_wait(epollFD, events, maxEvents, timeout)
        }
        let start = tg_monotonic_ns()
        // With the window shrunk to nothing the loop only measures its wait (to grow it back); the
        // free-core test (a read of /proc/loadavg) is for turns that would poll.
        if idlePoll.window > 0 {
            guard idlePoll.coreIsFree() else {
                settings.metrics.idlePolled(.busy)
                return tg_epoll_wait(epollFD, events, maxEvents, timeout)
            }
            let until = start + idlePoll.window
            repeat {
                let count = tg_epoll_wait(epollFD, events, maxEvents, 0)
                if count > 0 {
                    settings.metrics.idlePolled(.event)
                    idlePoll.observe(waited: tg_monotonic_ns() - start)
                }
                if count != 0 { return count }
            } while tg_monotonic_ns() < until
            settings.metrics.idlePolled(.expired)
        }
        // A timer may have come due while polling.
        let count = tg_epoll_wait(epollFD, events, maxEvents, waitMilliseconds())
        if count >= 0 { idlePoll.observe(waited: tg_monotonic_ns() - start) }
        return count
    }

    private func waitMilliseconds() -> Int32 {
        guard let next = timers.earliest else { return -1 }
        let current = tg_monotonic_ns()
        if next <= current { return 0 }
        // Round up so a wake-up never comes before the deadline.
        return Int32(clamping: (next - current + 999_999) / 1_000_000)
    }

    private func runCommands() {
        let pending = commands.withLock { list -> [LoopCommand] in
            defer { list.removeAll() }
            return list
        }
        for command in pending {
            switch command {
            case let .drain(deadline):
                beginDrain(deadline: deadline)
            }
        }
    }

    // MARK: Accepting

    private func acceptBatch(_ listener: LoopListener) {
        for _ in 0..<Self.acceptsPerTurn {
            let fd = tg_accept(listener.fd, &peerBuffer, peerBuffer.count)
            if fd < 0 {
                let code = tg_errno()
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR || code == ECONNABORTED { continue }
                // The listener was shut down for a drain this loop has not processed yet.
                if code == EINVAL { return }
                // EMFILE/ENFILE and friends: the socket stays readable (level-triggered); back off one turn.
                settings.logger.warning("accept failed", metadata: ["listener": "\(listener.name)", "errno": "\(code)"])
                return
            }
            guard settings.metrics.admit(listener.quota) else {
                close(fd)
                continue
            }
            open(fd: fd, listener: listener)
        }
    }

    private func open(fd: Int32, listener: LoopListener) {
        nextSerial += 1
        let peer = peerBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let connection = Connection(fd: fd, serial: nextSerial, peer: peer, listener: listener, now: now)
        if let tls = listener.tls {
            let context = tls.current
            let made = SSL_new(context.raw)
            guard let ssl = made, tg_ssl_set_socket(ssl, fd, tlsSocketDrained) == 1 else {
                settings.logger.error("SSL_new failed", metadata: ["reason": "\(drainOpenSSLErrors())"])
                if let made { SSL_free(made) }
                close(fd)
                settings.metrics.connectionClosed(listener.quota)
                return
            }
            SSL_set_accept_state(ssl)
            connection.ssl = ssl
            connection.tlsContext = context
        }
        guard tg_epoll_add(epollFD, fd, TG_EPOLLIN | TG_EPOLLOUT | TG_EPOLLRDHUP | TG_EPOLLET, UInt64(fd)) == 0 else {
            settings.logger.error("epoll_ctl(connection) failed", metadata: ["errno": "\(tg_errno())"])
            if let ssl = connection.ssl { SSL_free(ssl) }
            close(fd)
            settings.metrics.connectionClosed(listener.quota)
            return
        }
        let slot = Int(fd)
        if slot >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: max(slot + 1 - connections.count, connections.count)))
        }
        connections[slot] = connection
        connectionCount += 1
        if connection.ssl == nil { establish(connection) }
        schedule(connection)
    }

    private func connection(for fd: Int32) -> Connection? {
        let slot = Int(fd)
        return slot >= 0 && slot < connections.count ? connections[slot] : nil
    }

    // MARK: Driving a connection

    private func ready(_ connection: Connection, events: UInt32) {
        if events & TG_EPOLLOUT != 0 {
            connection.writable = true
            if connection.readWantsWrite {
                connection.readWantsWrite = false
                connection.readable = true
                connection.tlsSocketDrained = false
            }
        }
        if events & (TG_EPOLLIN | TG_EPOLLRDHUP | TG_EPOLLHUP | TG_EPOLLERR) != 0 {
            connection.readable = true
            // New bytes since OpenSSL's last short read: that read no longer says the socket is empty.
            connection.tlsSocketDrained = false
        }
        if events & (TG_EPOLLRDHUP | TG_EPOLLHUP | TG_EPOLLERR) != 0 {
            connection.peerHungUp = true
        }
        drive(connection)
    }

    /// Moves the connection forward as far as readiness allows, then re-arms its deadline.
    private func drive(_ connection: Connection) {
        if connection.stage == .handshaking {
            guard handshake(connection) else { return }
        }
        if connection.pendingOutput > 0, connection.writable {
            guard flush(connection) else { return }
        }
        if connection.closeAfterFlush {
            if connection.pendingOutput == 0 { closeConnection(connection) } else { schedule(connection) }
            return
        }
        guard readAvailable(connection) else { return }
        schedule(connection)
    }

    /// Returns false when the connection was closed or must wait for more handshake bytes.
    private func handshake(_ connection: Connection) -> Bool {
        guard let ssl = connection.ssl else { return true }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            connection.stage = .established
            settings.metrics.handshakeCompleted(resumed: tg_ssl_session_reused(ssl) == 1)
            connection.lastActivity = now
            // Read-ahead may already hold the first request even if no new edge will announce it.
            connection.readable = true
            establish(connection)
            return connection.handler != nil
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            connection.readable = false
        case SSL_ERROR_WANT_WRITE:
            connection.writable = false
        default:
            let reason = handshakeFailureReason(ssl: ssl, result: result)
            settings.metrics.handshakeFailed(reason: reason)
            settings.logger.debug(
                "TLS handshake failed", metadata: ["peer": "\(connection.peer)", "reason": "\(reason)"])
            connection.tlsFailed = true
            closeConnection(connection)
            return false
        }
        schedule(connection)
        return false
    }

    private func handshakeFailureReason(ssl: OpaquePointer, result: Int32) -> String {
        let kind = SSL_get_error(ssl, result)
        if kind == SSL_ERROR_ZERO_RETURN { return "connection_closed" }
        let code = ERR_peek_error()
        ERR_clear_error()
        if code == 0 { return kind == SSL_ERROR_SYSCALL && errno != 0 ? "socket_error" : "connection_closed" }
        guard let text = ERR_reason_error_string(code) else { return "tls_error" }
        return String(cString: text).replacingSpaces()
    }

    private func establish(_ connection: Connection) {
        var info = ConnectionInfo(peer: connection.peer, isTLS: connection.ssl != nil, listenerName: connection.listener.name)
        if let ssl = connection.ssl {
            var alpn: UnsafePointer<UInt8>?
            var alpnLength: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &alpn, &alpnLength)
            if let alpn, alpnLength > 0 {
                info.applicationProtocol = String(decoding: UnsafeBufferPointer(start: alpn, count: Int(alpnLength)), as: UTF8.self)
            }
            info.tlsVersion = SSL_get_version(ssl).map { String(cString: $0) }
            info.serverName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
            if let peerCert = SSL_get1_peer_certificate(ssl) {
                info.clientCertificateSubject = subjectText(peerCert)
                X509_free(peerCert)
            }
        }
        connection.handler = connection.listener.factory(info)
        if draining { askToDrain(connection) }
    }

    private func subjectText(_ cert: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(cert), let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, TG_XN_FLAG_RFC2253) >= 0 else { return nil }
        var data: UnsafeMutablePointer<CChar>?
        let length = tg_bio_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// Reads until the socket is drained, the budget is spent or output backs up.
    /// Returns false when the connection was closed.
    private func readAvailable(_ connection: Connection) -> Bool {
        var reads = 0
        while connection.readable, !connection.closeAfterFlush,
            connection.pendingOutput < settings.maxPendingOutputBytes
        {
            if reads == Self.readsPerTurn {
                unfinished.append(connection)
                break
            }
            reads += 1
            let count: Int
            switch read(connection) {
            case let .bytes(n): count = n
            case .wouldBlock: continue
            case .closed:
                if connection.pendingOutput > 0, connection.writable { _ = flush(connection, closing: true) }
                closeConnection(connection)
                return false
            }
            connection.lastActivity = now
            receivers.add(connection.serial)
            guard let handler = connection.handler else { break }
            let disposition = handler.received(
                UnsafeRawBufferPointer(start: readBuffer.baseAddress, count: count), output: &connection.output)
            guard apply(disposition, to: connection) else { return false }
            if connection.pendingOutput >= settings.maxPendingOutputBytes {
                guard flush(connection) else { return false }
            }
        }
        if connection.pendingOutput > 0, connection.writable {
            if !connection.answerQueued {
                if answered.isEmpty { answersHeldSince = tg_monotonic_ns() }
                connection.answerQueued = true
                answered.append(connection)
            }
        } else if connection.closeAfterFlush, connection.pendingOutput == 0 {
            closeConnection(connection)
            return false
        }
        if let handler = connection.handler { notePhase(of: connection, handler) }
        return true
    }

    private func writeAnswersHeldTooLong() {
        if !answered.isEmpty, tg_monotonic_ns() &- answersHeldSince >= Self.answerHoldLimit { writeAnswers() }
    }

    /// Writes the answers the turn produced, all after its reading. Written one by one as each
    /// was made, every answer woke a peer that had gone back to sleep in the meantime (an
    /// inter-processor wake-up, a tenth of the server's CPU under load on a 2-vCPU VM); written
    /// together, the first wakes the peer and the rest find it awake. An answer waits for the rest
    /// of the turn, or `answerHoldLimit` when that is sooner; a turn with one connection (one
    /// request at a time) is unchanged.
    private func writeAnswers() {
        guard !answered.isEmpty else { return }
        for connection in answered {
            connection.answerQueued = false
            guard connection === self.connection(for: connection.fd), flushOrClose(connection) else { continue }
            // A write the socket could not take now has its own deadline; otherwise the one set
            // when the request was read still stands.
            if connection.pendingOutput > 0 { schedule(connection) }
        }
        answered.removeAll(keepingCapacity: true)
    }

    private enum ReadOutcome {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    private func read(_ connection: Connection) -> ReadOutcome {
        let capacity = readBuffer.count
        guard let ssl = connection.ssl else {
            let n = Glibc.read(connection.fd, readBuffer.baseAddress, capacity)
            if n > 0 {
                // A short read drained the socket: with edge triggering a new edge will announce more.
                if n < capacity { connection.readable = false }
                return .bytes(n)
            }
            if n == 0 { return .closed }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { connection.readable = false; return .wouldBlock }
            if code == EINTR { return .wouldBlock }
            return .closed
        }
        clearTLSErrors()
        var count = 0
        tlsSocketDrained.pointee = -1
        let result = SSL_read_ex(ssl, readBuffer.baseAddress, capacity, &count)
        if result == 1 {
            // -1: this call was served from records OpenSSL already held, no read(2) made.
            if tlsSocketDrained.pointee >= 0 { connection.tlsSocketDrained = tlsSocketDrained.pointee == 1 }
            // The socket was drained and OpenSSL holds nothing more (not even part of a record):
            // like a short plain read, the next read could only say WANT_READ, and new bytes
            // bring a new edge. (After a hang-up, read on to see the end of the stream now.)
            if connection.tlsSocketDrained, !connection.peerHungUp, SSL_has_pending(ssl) == 0 {
                connection.readable = false
            }
            return .bytes(count)
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            connection.readable = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            connection.readable = false
            connection.readWantsWrite = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            connection.tlsFailed = true
            ERR_clear_error()
            return .closed
        }
    }

    /// SSL_get_error needs an empty error queue before the call. Usually it is empty already,
    /// and peeking costs a fraction of ERR_clear_error (about 800 instructions, three per request).
    private func clearTLSErrors() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Returns false when the connection was closed.
    private func apply(_ disposition: ConnectionDisposition, to connection: Connection) -> Bool {
        switch disposition {
        case .keepOpen:
            return true
        case .closeAfterFlush:
            connection.closeAfterFlush = true
            return true
        case .closeNow:
            closeConnection(connection)
            return false
        }
    }

    /// Writes pending output until done or the socket is full. Returns false when the connection was closed.
    @discardableResult
    private func flush(_ connection: Connection, closing: Bool = false) -> Bool {
        while connection.pendingOutput > 0 {
            let written: Int
            if let ssl = connection.ssl {
                clearTLSErrors()
                var count = 0
                let result = connection.output.withUnsafeBytes { bytes in
                    SSL_write_ex(ssl, bytes.baseAddress! + connection.outputSent, connection.pendingOutput, &count)
                }
                if result == 1 {
                    written = count
                } else {
                    let kind = SSL_get_error(ssl, result)
                    if kind == SSL_ERROR_WANT_WRITE || kind == SSL_ERROR_WANT_READ {
                        stallWrites(connection)
                        return true
                    }
                    connection.tlsFailed = true
                    ERR_clear_error()
                    if !closing { closeConnection(connection) }
                    return false
                }
            } else {
                let n = connection.output.withUnsafeBytes { bytes in
                    Glibc.write(connection.fd, bytes.baseAddress! + connection.outputSent, connection.pendingOutput)
                }
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK {
                        stallWrites(connection)
                        return true
                    }
                    if !closing { closeConnection(connection) }
                    return false
                }
                written = n
            }
            connection.outputSent += written
        }
        // Keep a modest buffer for the next response; give back what one large response grew.
        if connection.output.capacity > 64 << 10 {
            connection.output = []
        } else {
            connection.output.removeAll(keepingCapacity: true)
        }
        connection.outputSent = 0
        return true
    }

    private func stallWrites(_ connection: Connection) {
        if connection.writable { connection.writeStalledSince = now }
        connection.writable = false
    }

    // MARK: Timeouts

    private func deadline(of connection: Connection) -> (UInt64, String) {
        var result: (UInt64, String) = (drainDeadline, "drain")
        func consider(_ candidate: UInt64, _ phase: String) {
            if candidate < result.0 { result = (candidate, phase) }
        }
        if connection.stage == .handshaking {
            consider(connection.acceptedAt.addingSaturating(settings.handshakeTimeout), "handshake")
            return result
        }
        if connection.pendingOutput > 0, !connection.writable {
            consider(connection.writeStalledSince.addingSaturating(settings.writeTimeout), "write")
        }
        switch connection.phase {
        case .idle: consider(connection.lastActivity.addingSaturating(settings.idleTimeout), "idle")
        case .readingRequest:
            if let handler = connection.handler, handler.keepsRequestDeadlines {
                if let due = handler.requestDeadline { consider(due, Self.handlerDeadlinePhase) }
            } else if let asked = connection.handler?.requestTimeLimit, asked.nanoseconds < settings.requestReadTimeout {
                // Past the peer's own deadline nobody reads the answer: stop waiting for the request.
                consider(connection.phaseStart.addingSaturating(asked.nanoseconds), "request_deadline")
            } else {
                consider(connection.phaseStart.addingSaturating(settings.requestReadTimeout), "request_read")
            }
        }
        return result
    }

    private func schedule(_ connection: Connection) {
        let (due, _) = deadline(of: connection)
        if due < connection.scheduledDeadline {
            connection.scheduledDeadline = due
            timers.push(.init(deadline: due, fd: connection.fd, serial: connection.serial))
        }
    }

    private func expireTimers() {
        while let entry = timers.popDue(now: now) {
            guard let connection = connection(for: entry.fd), connection.serial == entry.serial,
                connection.scheduledDeadline == entry.deadline
            else { continue }
            connection.scheduledDeadline = .max
            let (due, phase) = deadline(of: connection)
            if due > now {
                schedule(connection)
                continue
            }
            if phase == Self.handlerDeadlinePhase {
                handlerDeadlinePassed(connection)
                continue
            }
            if phase == "handshake" { settings.metrics.handshakeFailed(reason: "timeout") }
            if phase != "drain" { settings.metrics.timedOut(phase: phase) }
            settings.logger.debug("connection timed out", metadata: ["peer": "\(connection.peer)", "phase": "\(phase)"])
            closeConnection(connection)
        }
    }

    /// After a handler call outside reading (deadline, drain): applies its disposition and sends
    /// what it wrote. Returns false when the connection was closed.
    private func settle(_ connection: Connection, after disposition: ConnectionDisposition) -> Bool {
        guard apply(disposition, to: connection) else { return false }
        return flushOrClose(connection)
    }

    /// Writes what the socket takes now, then closes a connection that was to close once its
    /// output was sent. Returns false when the connection was closed.
    private func flushOrClose(_ connection: Connection) -> Bool {
        if connection.pendingOutput > 0, connection.writable {
            guard flush(connection) else { return false }
        }
        if connection.closeAfterFlush, connection.pendingOutput == 0 {
            closeConnection(connection)
            return false
        }
        return true
    }

    /// Starts the phase's clock when the phase changes, or when a new request began within
    /// `.readingRequest` (a pipelined request gets its own read limit, not what its predecessor left).
    private func notePhase(of connection: Connection, _ handler: any ConnectionHandler) {
        let phase = handler.timeoutPhase
        let requests = handler.requestsReceived
        if phase != connection.phase || requests != connection.requestsAtPhaseStart {
            connection.phase = phase
            connection.phaseStart = now
            connection.requestsAtPhaseStart = requests
        }
    }

    /// The phase name of a deadline the handler keeps (it ends requests, not the connection).
    private static let handlerDeadlinePhase = "handler"

    private func handlerDeadlinePassed(_ connection: Connection) {
        guard let handler = connection.handler else { return }
        let expired = handler.deadlinePassed(now: now, output: &connection.output)
        for _ in 0..<expired.pastTheirTimeout { settings.metrics.timedOut(phase: "request_deadline") }
        for _ in 0..<expired.pastReadLimit { settings.metrics.timedOut(phase: "request_read") }
        guard settle(connection, after: expired.disposition) else { return }
        if let again = handler.requestDeadline, again <= now {
            // Told its deadline passed, the handler still reports it: serving it again would spin.
            settings.logger.error("handler kept a passed deadline; closing", metadata: ["peer": "\(connection.peer)"])
            closeConnection(connection)
            return
        }
        notePhase(of: connection, handler)
        schedule(connection)
    }

    // MARK: Draining and closing

    private func beginDrain(deadline: UInt64) {
        guard !draining else { return }
        draining = true
        drainDeadline = deadline
        for listener in listeners { _ = tg_epoll_del(epollFD, listener.fd) }
        for case let connection? in connections {
            if connection.stage == .handshaking {
                closeConnection(connection)
            } else {
                askToDrain(connection)
            }
        }
    }

    private func askToDrain(_ connection: Connection) {
        guard !connection.shutdownAsked, let handler = connection.handler else { return }
        connection.shutdownAsked = true
        let disposition = handler.shutdownRequested(output: &connection.output)
        guard settle(connection, after: disposition) else { return }
        // The drain deadline may be earlier than the connection's current timer.
        schedule(connection)
    }

    private func closeAll() {
        for case let connection? in connections { closeConnection(connection) }
    }

    private func closeConnection(_ connection: Connection) {
        let slot = Int(connection.fd)
        guard slot < connections.count, connections[slot] === connection else { return }
        connections[slot] = nil
        connectionCount -= 1
        if let ssl = connection.ssl {
            if !connection.tlsFailed, connection.stage == .established {
                // Best effort close_notify; never wait for the peer's.
                ERR_clear_error()
                _ = SSL_shutdown(ssl)
                ERR_clear_error()
            }
            SSL_free(ssl)
            connection.ssl = nil
        }
        close(connection.fd)
        settings.metrics.connectionClosed(connection.listener.quota)
        connection.handler?.closed()
        connection.handler = nil
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(map { $0 == " " ? "_" : $0 })
    }
}
