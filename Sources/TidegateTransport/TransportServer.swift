import CTidegateSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets served by N event-loop threads (no thread per connection).
///
/// Design, in short:
/// - Each loop thread owns one epoll instance, an eventfd for cross-thread commands (drain), a timer
///   heap and one read buffer shared by all its connections. A connection lives on one loop for life.
/// - Every listening socket is shared by all loops (level-triggered, `EPOLLEXCLUSIVE`); connections are
///   edge-triggered (see `EventLoop`). Beyond `maxConnections` a socket is accepted and closed at once so
///   the kernel backlog never fills with connections nobody will serve.
/// - TLS runs OpenSSL directly on the socket (socket BIOs, read-ahead on) rather than through memory
///   BIOs: OpenSSL decrypts straight into the loop's read buffer and encrypts straight into the socket,
///   saving a copy each way and the BIO bookkeeping; with read-ahead one read(2) pulls several records.
/// - Handlers are synchronous (bytes in, bytes out) and always called on their connection's loop.
/// - Timeouts: handshake (from accept), request read (from the start of a request: bounds slow
///   senders), idle keep-alive (from the last byte) and write (peer not reading our output).
///
/// ```swift
/// let tls = try ReloadableTLSContext(TLSConfiguration(certificateChainFile: c, privateKeyFile: k))
/// let server = TransportServer(configuration: .init(), listeners: [
///     ListenerConfiguration(name: "https", host: "::", port: 8443, tls: tls) { info in MyHandler(info) },
///     ListenerConfiguration(name: "health", host: "::", port: 8080, tls: nil) { _ in HealthHandler() },
/// ], logger: logger)
/// try server.start()
/// ...
/// server.shutdown(gracePeriod: .seconds(20))   // returns when every connection is closed
/// ```
public final class TransportServer: Sendable {
    private let configuration: TransportConfiguration
    private let listenerConfigurations: [ListenerConfiguration]
    private let logger: Logger
    /// Connection counters for the metrics endpoint.
    public let metrics: TransportMetrics

    private struct Running {
        var listeners: [LoopListener] = []
        var loops: [EventLoop] = []
        var threads: [PosixThread] = []
        var ports: [String: Int] = [:]
        var stopped = false
    }

    private enum Phase {
        case idle
        case running(Running)
        case stopped
    }

    private let phase = Mutex<Phase>(.idle)

    public init(
        configuration: TransportConfiguration, listeners: [ListenerConfiguration], logger: Logger,
        metrics: TransportMetrics = TransportMetrics()
    ) {
        self.configuration = configuration
        self.listenerConfigurations = listeners
        self.logger = logger
        self.metrics = metrics
    }

    /// Binds every listener and starts the loops. Throws (and leaves nothing open) if any bind fails.
    public func start() throws(TransportError) {
        try configuration.validate()
        tg_ignore_sigpipe()
        var state = Running()
        do throws(TransportError) {
            try phase.withLock { (current: inout Phase) throws(TransportError) in
                guard case .idle = current else { throw .alreadyStarted }
                current = .stopped  // until fully started; a failed start cannot be retried
            }
            for listener in listenerConfigurations {
                if let own = listener.maxConnections, own < 1 {
                    throw .invalidConfiguration("maxConnections of listener \(listener.name) must be at least 1")
                }
            }
            let shared = ConnectionQuota(limit: configuration.maxConnections)
            for listener in listenerConfigurations {
                var code: Int32 = 0
                let fd = tg_listen(listener.host, Int32(listener.port), Int32(configuration.listenBacklog), &code)
                guard fd >= 0 else { throw .listenFailed(host: listener.host, port: listener.port, errno: code) }
                state.listeners.append(
                    LoopListener(fd: fd, name: listener.name, tls: listener.tls, factory: listener.handlerFactory,
                                 quota: listener.maxConnections.map { ConnectionQuota(limit: $0) } ?? shared))
                state.ports[listener.name] = Int(tg_local_port(fd))
            }
            let settings = LoopSettings(
                handshakeTimeout: configuration.handshakeTimeout.nanoseconds,
                requestReadTimeout: configuration.requestReadTimeout.nanoseconds,
                idleTimeout: configuration.idleTimeout.nanoseconds,
                writeTimeout: configuration.writeTimeout.nanoseconds,
                maxPendingOutputBytes: configuration.maxPendingOutputBytes,
                readBufferSize: configuration.readBufferSize,
                idlePoll: configuration.idlePoll.nanoseconds,
                metrics: metrics, logger: logger)
            for index in 0..<configuration.eventLoops {
                state.loops.append(try EventLoop(index: index, settings: settings, listeners: state.listeners))
            }
            for loop in state.loops {
                state.threads.append(try PosixThread.spawn { loop.run() })
            }
        } catch {
            // Threads that did start are waiting on their epoll; drain them before closing fds.
            for loop in state.loops { loop.send(.drain(deadline: 0)) }
            for thread in state.threads { thread.join() }
            for listener in state.listeners { close(listener.fd) }
            throw error
        }
        for listener in state.listeners {
            logger.info(
                "listening",
                metadata: [
                    "listener": "\(listener.name)", "port": "\(state.ports[listener.name] ?? -1)",
                    "tls": "\(listener.tls != nil)", "loops": "\(configuration.eventLoops)",
                ])
        }
        let started = state
        phase.withLock { $0 = .running(started) }
    }

    /// The port a listener is bound to (useful with port 0), or nil before `start()`.
    public func boundPort(of listenerName: String) -> Int? {
        phase.withLock { current in
            if case let .running(state) = current { return state.ports[listenerName] }
            return nil
        }
    }

    /// Graceful shutdown: stop accepting, ask every handler to drain (`shutdownRequested`), wait up to
    /// `gracePeriod` for connections to finish, close the rest, and return when all loops have stopped.
    /// Safe to call more than once and from any thread (not from a loop thread).
    public func shutdown(gracePeriod: Duration) {
        let state: Running? = phase.withLock { current in
            guard case let .running(state) = current else { return nil }
            current = .stopped
            return state
        }
        guard let state else { return }
        logger.info("draining connections", metadata: ["grace": "\(gracePeriod)"])
        let deadline = tg_monotonic_ns().addingSaturating(gracePeriod.nanoseconds)
        for loop in state.loops { loop.send(.drain(deadline: deadline)) }
        // Refuse new connections now rather than leave them queued until the drain ends;
        // shutdown(2) keeps the descriptor number, so no loop can accept on a reused one.
        for listener in state.listeners { _ = Glibc.shutdown(listener.fd, Int32(SHUT_RDWR)) }
        for thread in state.threads { thread.join() }
        // Closed only after every loop stopped watching them, so no loop can accept on a reused fd number.
        for listener in state.listeners { close(listener.fd) }
        logger.info("transport stopped")
    }
}
