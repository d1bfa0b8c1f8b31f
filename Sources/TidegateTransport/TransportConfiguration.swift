import CTidegateSystem
#if canImport(Glibc)
import Glibc
#endif

/// Event loop, timeout and limit settings shared by all listeners of a `TransportServer`.
public struct TransportConfiguration: Sendable {
    /// Event loop threads, each with its own epoll instance. Default: one per CPU the process may
    /// use (`CPUBudget`: its CPUs, capped by its cgroup's CPU limit).
    public var eventLoops: Int
    /// Open connections across the listeners without a cap of their own
    /// (`ListenerConfiguration.maxConnections`); beyond it new connections are accepted and closed.
    public var maxConnections: Int
    /// From accept to a completed TLS handshake.
    public var handshakeTimeout: Duration
    /// From the start of a request (handler in `.readingRequest`) to its last byte: bounds slowloris.
    public var requestReadTimeout: Duration
    /// Keep-alive: from the last byte received while the handler is `.idle`.
    public var idleTimeout: Duration
    /// How long pending output may wait for the peer to read it.
    public var writeTimeout: Duration
    /// Reading from a connection pauses while more than this many bytes wait to be sent.
    public var maxPendingOutputBytes: Int
    /// Size of each loop's read buffer (shared by all its connections).
    public var readBufferSize: Int
    /// listen(2) backlog.
    public var listenBacklog: Int
    /// After a turn that served one connection (as the served turn before it did), the longest a
    /// loop keeps asking epoll for the next event before it sleeps (the window adapts below it, see
    /// `IdlePoll`); zero (the transport's default; `tidegate serve` uses 200 µs): sleep at once.
    /// At most 1 ms.
    public var idlePoll: Duration

    public init(
        eventLoops: Int = CPUBudget.current().eventLoops,
        maxConnections: Int = 10_000,
        handshakeTimeout: Duration = .seconds(10),
        requestReadTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        maxPendingOutputBytes: Int = 1 << 20,
        readBufferSize: Int = 64 << 10,
        listenBacklog: Int = 1024,
        idlePoll: Duration = .zero
    ) {
        self.eventLoops = eventLoops
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.requestReadTimeout = requestReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxPendingOutputBytes = maxPendingOutputBytes
        self.readBufferSize = readBufferSize
        self.listenBacklog = listenBacklog
        self.idlePoll = idlePoll
    }

    /// Past a millisecond, polling costs more CPU than any wake-up it could save.
    public static let longestIdlePoll: Duration = .milliseconds(1)


    func validate() throws(TransportError) {
        guard eventLoops >= 1 else { throw .invalidConfiguration("eventLoops must be at least 1") }
        guard maxConnections >= 1 else { throw .invalidConfiguration("maxConnections must be at least 1") }
        guard readBufferSize >= 16 << 10 else { throw .invalidConfiguration("readBufferSize must be at least 16 KiB") }
        guard maxPendingOutputBytes >= 1 else { throw .invalidConfiguration("maxPendingOutputBytes must be positive") }
        guard idlePoll >= .zero, idlePoll <= Self.longestIdlePoll else {
            throw .invalidConfiguration("idlePoll must be between 0 and 1 ms")
        }
    }
}

/// One listening socket: plain TCP when `tls` is nil.
public struct ListenerConfiguration: Sendable {
    /// Names the listener in logs and `ConnectionInfo` ("https", "health").
    public var name: String
    /// Address to bind: "0.0.0.0", "::" (dual-stack), "127.0.0.1", "::1" or a host name.
    public var host: String
    /// Port; 0 picks a free one (see `TransportServer.boundPort(of:)`).
    public var port: Int
    /// TLS settings (reloadable), or nil for plain TCP.
    public var tls: ReloadableTLSContext?
    /// Builds the protocol handler for each connection once it is established.
    public var handlerFactory: ConnectionHandlerFactory
    /// A connection cap of this listener's own, apart from `TransportConfiguration.maxConnections`
    /// (which the listeners without one share): a listener that must stay reachable when the
    /// others are full, as kubelet probes must when peers fill the admission port.
    public var maxConnections: Int?

    public init(
        name: String, host: String, port: Int, tls: ReloadableTLSContext?, maxConnections: Int? = nil,
        handlerFactory: @escaping ConnectionHandlerFactory
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
        self.maxConnections = maxConnections
        self.handlerFactory = handlerFactory
    }
}

// The deadline arithmetic the HTTP codecs use too (`tg_duration_ns`, `tg_add_saturating`).
extension Duration {
    /// Whole nanoseconds; negative is 0 and a duration past UInt64's range (centuries) saturates,
    /// so a deadline computed from it lies in the far future instead of wrapping into the past.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return tg_duration_ns(seconds, attoseconds)
    }
}

extension UInt64 {
    /// `self + other`, or `.max` where that would wrap: a deadline far off stays far off.
    func addingSaturating(_ other: UInt64) -> UInt64 { tg_add_saturating(self, other) }
}
