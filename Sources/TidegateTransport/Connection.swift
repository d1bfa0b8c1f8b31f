import COpenSSL

/// One accepted socket and its state, owned by a single event loop.
final class Connection {
    enum Stage {
        case handshaking
        case established
    }

    let fd: Int32
    /// Distinguishes this connection from a later one that reuses the fd number (timer entries).
    let serial: UInt64
    let peer: String
    let listener: LoopListener
    /// The TLS session, or nil for plain TCP. The context is retained for the connection's lifetime.
    var ssl: OpaquePointer?
    var tlsContext: TLSContext?
    /// After a fatal TLS error OpenSSL forbids SSL_shutdown.
    var tlsFailed = false

    var stage: Stage
    var handler: (any ConnectionHandler)?

    /// Bytes to send; `outputSent` of them already went out.
    var output: [UInt8] = []
    var outputSent = 0

    /// Edge-triggered readiness as last reported (may be stale-true; reads then just see EAGAIN).
    var readable = false
    var writable = true
    /// The peer hung up or the socket failed: read until the end is seen.
    var peerHungUp = false
    /// The last read(2) OpenSSL made on this socket was short: the kernel had nothing more then.
    /// Stays true while OpenSSL hands out records it already holds (read-ahead pulls several).
    var tlsSocketDrained = false
    /// SSL_read asked for the socket to become writable (TLS renegotiation-like traffic).
    var readWantsWrite = false
    /// No more reading: closing after the pending output is flushed.
    var closeAfterFlush = false
    /// Listed in the loop's answers to write at the end of the turn.
    var answerQueued = false
    var shutdownAsked = false

    let acceptedAt: UInt64
    var lastActivity: UInt64
    var phase: ConnectionTimeoutPhase = .idle
    var phaseStart: UInt64
    /// The handler's `requestsReceived` when `phaseStart` was last set.
    var requestsAtPhaseStart = 0
    var writeStalledSince: UInt64 = 0
    /// The deadline of this connection's live timer-heap entry (`.max`: none queued).
    var scheduledDeadline: UInt64 = .max

    init(fd: Int32, serial: UInt64, peer: String, listener: LoopListener, now: UInt64) {
        self.fd = fd
        self.serial = serial
        self.peer = peer
        self.listener = listener
        self.stage = listener.tls == nil ? .established : .handshaking
        acceptedAt = now
        lastActivity = now
        phaseStart = now
    }

    var pendingOutput: Int { output.count - outputSent }
}
