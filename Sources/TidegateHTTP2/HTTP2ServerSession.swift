import CNGHTTP2
import CTidegateSystem
import TidegateHTTP

/// The server side of one HTTP/2 connection, bytes in and bytes out.
///
/// Created once ALPN chose `h2`. The transport then loops:
/// 1. `takeOutput(into:maxBytes:)` and write it (the first call yields the server SETTINGS);
/// 2. hand every decrypted byte to `receive(_:)`; completed requests are answered inline
///    through the responder, so their frames are ready in the next `takeOutput`;
/// 3. once `wantsClose` is true and the output is written, close the connection.
/// While its own write buffer is full the transport should stop reading: what is not taken
/// stays in nghttp2's bounded queues and the peer's flow-control windows.
/// Not thread-safe: one connection, one event loop.
public final class HTTP2ServerSession {
    let responder: any HTTPResponder
    let limits: HTTPLimits
    let tuning: HTTP2Tuning
    private(set) var session: OpaquePointer?

    var streams: [Int32: HTTP2Stream] = [:]
    /// The stream looked up last: a request's frames and header callbacks arrive back to back,
    /// so most lookups hit it without hashing (see `openStream(_:)`).
    var recentStream: HTTP2Stream?
    /// Request body bytes held across all streams of the connection.
    var bufferedBodyBytes = 0
    /// Largest value `bufferedBodyBytes` reached; tests use it to show caps hold.
    var peakBufferedBodyBytes = 0
    var prematureResets = 0
    var completedStreams = 0
    /// Frame boundaries in what the peer sent, and since when the frame (or preface) under way
    /// has been arriving: nil between frames.
    var framing = HTTP2Framing()
    var partialFrameSince: UInt64?
    var failed = false
    /// Failed on a control-frame flood: the queued replies are what the peer was after, so none
    /// of them goes out.
    var silenced = false
    var shuttingDown = false
    var finalGoawaySent = false
    /// The connection was torn down for abuse (rapid resets); no more requests are dispatched.
    var calmedDown = false

    // Scratch storage reused for every response's header list.
    var headerBytes: [UInt8] = []
    var headerLengths: [Int] = []
    var headerFields: [nghttp2_nv] = []

    /// Opaque data of the PING that closes the graceful-shutdown round trip.
    static let shutdownPingTag: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0x74, 0x69, 0x64, 0x65, 0x67, 0x61, 0x74, 0x65)

    /// `requestReadTimeout`: the most time a stream may take to arrive, from its first header
    /// frame (and a frame, from its first byte) — the transport's request-read limit, applied
    /// per stream so that one slow stream does not end the others.
    public convenience init(
        responder: any HTTPResponder, limits: HTTPLimits = HTTPLimits(), requestReadTimeout: Duration = .seconds(10)
    ) throws(HTTP2SessionError) {
        var tuning = HTTP2Tuning(limits: limits)
        tuning.requestReadLimit = MonotonicTime.nanoseconds(requestReadTimeout)
        try self.init(responder: responder, limits: limits, tuning: tuning)
    }

    init(responder: any HTTPResponder, limits: HTTPLimits, tuning: HTTP2Tuning) throws(HTTP2SessionError) {
        self.responder = responder
        self.limits = limits
        self.tuning = tuning
        try start()
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: Bytes in, bytes out

    /// Feeds bytes from the peer. Protocol errors the peer can be told about are answered with
    /// GOAWAY (see `wantsClose`); this throws only when the bytes cannot be processed at all.
    public func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTP2SessionError) {
        guard !failed, let session else {
            throw HTTP2SessionError(kind: .closed, detail: "received \(bytes.count) bytes after the session failed")
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let finishedOne = framing.advance(bytes)
        if framing.atBoundary {
            partialFrameSince = nil
        } else if partialFrameSince == nil || finishedOne {
            // The frame under way began in these bytes: its time starts now.
            partialFrameSince = MonotonicTime.now()
        }
        let consumed = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if consumed < 0 {
            fail(code: Int32(consumed))
            throw HTTP2SessionError(libraryCode: Int32(consumed), while: "reading frames")
        }
    }

    public func receive(_ bytes: [UInt8]) throws(HTTP2SessionError) {
        // `withUnsafeBytes` cannot forward a typed error, so the outcome is carried out by hand.
        let outcome: Result<Void, HTTP2SessionError> = bytes.withUnsafeBytes { raw in
            do throws(HTTP2SessionError) { try receive(raw) } catch { return .failure(error) }
            return .success(())
        }
        try outcome.get()
    }

    /// Appends the frames ready to go to the peer, stopping once at least `maxBytes` were appended
    /// so a peer that does not read cannot make us buffer without bound: what stays queued counts
    /// against nghttp2's own limits and the peer's flow-control windows.
    public func takeOutput(into buffer: inout [UInt8], maxBytes: Int = .max) {
        guard !silenced, let session else { return }
        var appended = 0
        while appended < maxBytes {
            var chunk: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &chunk)
            if count < 0 {
                fail(code: Int32(count))
                return
            }
            guard count > 0, let chunk else { break }
            buffer.append(contentsOf: UnsafeBufferPointer(start: chunk, count: count))
            appended += count
        }
        // After a terminating GOAWAY nghttp2 never closes the streams it abandoned; drop them so
        // their buffers go now and the counts tell the transport the truth.
        if !streams.isEmpty, wantsClose { releaseAllStreams() }
    }

    // MARK: Connection state for the transport

    /// True once the connection is over: GOAWAY exchanged and every stream finished, or a fatal
    /// error. Write out `takeOutput` first: it may still hold the GOAWAY telling the peer why.
    public var wantsClose: Bool {
        guard !failed, let session else { return true }
        return nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
    }

    /// True when nghttp2 has frames to send (flow control permitting).
    public var hasPendingOutput: Bool {
        guard !failed, let session else { return false }
        return nghttp2_session_want_write(session) != 0
    }

    /// Streams with a request still arriving or an answer still leaving.
    public var openStreamCount: Int { streams.count }
    public var hasOpenStreams: Bool { !streams.isEmpty }

    /// The earliest deadline (`MonotonicTime`) among requests not yet answered in full: the read
    /// limit from their first header frame, or their own `?timeout=` when sooner; and for a frame
    /// (or the preface) still arriving, the read limit from its first byte.
    public var nextRequestDeadline: UInt64? {
        var earliest = partialFrameSince.map { MonotonicTime.deadline(after: $0, nanoseconds: tuning.requestReadLimit) }
        for stream in streams.values where !stream.responseComplete {
            if let due = stream.deadline, due < earliest ?? .max { earliest = due }
        }
        return earliest
    }

    /// Whether a frame (or the client preface) has begun to arrive and not finished.
    public var isInsideFrame: Bool { partialFrameSince != nil }

    /// Resets (CANCEL) every stream not answered in full by its deadline: nobody waits for its
    /// answer any more (past its `?timeout=`), or it is too slow (past the read limit: a request
    /// still arriving, or an answer the peer's flow control holds back); its body stops counting
    /// against the connection. Other streams go on. A frame still arriving past the read limit
    /// ends the connection (GOAWAY; no stream to reset). Returns how many requests (and frames)
    /// ended for each reason; the frames telling the peer are in `takeOutput`.
    public func expireRequests(now: UInt64) -> (pastTheirTimeout: Int, pastReadLimit: Int) {
        guard let session else { return (0, 0) }
        var expired = (pastTheirTimeout: 0, pastReadLimit: 0)
        if let since = partialFrameSince, MonotonicTime.deadline(after: since, nanoseconds: tuning.requestReadLimit) <= now {
            partialFrameSince = nil
            expired.pastReadLimit += 1
            terminate(NGHTTP2_NO_ERROR)
        }
        for stream in streams.values where !stream.responseComplete {
            guard let due = stream.deadline, due <= now else { continue }
            stream.deadline = nil
            stream.responded = true
            releaseBody(of: stream)
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_CANCEL.rawValue)
            if stream.deadlineIsClientTimeout { expired.pastTheirTimeout += 1 } else { expired.pastReadLimit += 1 }
        }
        return expired
    }

    /// A description of the first bookkeeping invariant that does not hold, nil when all do:
    /// held body bytes are the open streams' bodies, within the budget; every stream still
    /// arriving has a deadline. For the fuzz target.
    @_spi(Testing) public func brokenInvariant() -> String? {
        let bodies = streams.values.reduce(0) { $0 + $1.body.count }
        if bufferedBodyBytes != bodies { return "held body bytes \(bufferedBodyBytes), streams' bodies \(bodies)" }
        if bufferedBodyBytes > tuning.maxBufferedBodyBytes { return "held body bytes \(bufferedBodyBytes) over the budget" }
        if let stream = streams.values.first(where: { !$0.responded && $0.deadline == nil }) {
            return "stream \(stream.id) is still arriving with no deadline"
        }
        return nil
    }

    /// No stream in flight and nothing to write: the idle timeout may run.
    public var isIdle: Bool { streams.isEmpty && !hasPendingOutput }

    /// Starts a graceful close: a GOAWAY notice now, a PING, and, when its ACK proves the peer has
    /// seen the notice, the final GOAWAY naming the last stream we will serve. Streams in flight
    /// complete; `wantsClose` turns true after them. The transport still needs its own deadline
    /// for peers that never answer the PING or never finish their streams.
    public func beginGracefulShutdown() {
        guard !shuttingDown, !failed, let session else { return }
        shuttingDown = true
        // With nothing in flight the notice buys nothing: a request racing the GOAWAY has a stream
        // id above the last one we name, so the client knows it was not processed and retries it.
        guard !streams.isEmpty, nghttp2_submit_shutdown_notice(session) == 0 else {
            sendFinalGoaway()
            return
        }
        var tag = Self.shutdownPingTag
        let pinged = withUnsafeBytes(of: &tag) { raw in
            nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), raw.bindMemory(to: UInt8.self).baseAddress)
        }
        if pinged != 0 { sendFinalGoaway() }
    }

    func sendFinalGoaway() {
        guard !finalGoawaySent, let session else { return }
        finalGoawaySent = true
        _ = nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
            NGHTTP2_NO_ERROR.rawValue, nil, 0)
    }

    /// Sends GOAWAY with `errorCode` and stops serving.
    func terminate(_ errorCode: nghttp2_error_code) {
        guard let session else { return }
        _ = nghttp2_session_terminate_session(session, errorCode.rawValue)
    }

    func fail(code: Int32) {
        failed = true
        // Tell the peer why when nghttp2 still can; the transport writes it before closing. A
        // flooding peer gets nothing more: its reply queue is what it was flooding.
        switch code {
        case NGHTTP2_ERR_FLOODED.rawValue: silenced = true
        case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue: terminate(NGHTTP2_PROTOCOL_ERROR)
        case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue: terminate(NGHTTP2_ENHANCE_YOUR_CALM)
        default: terminate(NGHTTP2_INTERNAL_ERROR)
        }
        releaseAllStreams()
    }

    func releaseAllStreams() {
        streams.removeAll()
        recentStream = nil
        bufferedBodyBytes = 0
    }

    // MARK: Setup

    private func start() throws(HTTP2SessionError) {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw HTTP2SessionError(kind: .protocolFailure, detail: "nghttp2 could not allocate callbacks")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        HTTP2Callbacks.install(into: callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw HTTP2SessionError(kind: .protocolFailure, detail: "nghttp2 could not allocate options")
        }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_closed_streams(option, 1)
        nghttp2_option_set_max_outbound_ack(option, tuning.maxOutboundAcks)
        nghttp2_option_set_max_settings(option, tuning.maxSettingsEntries)
        nghttp2_option_set_max_continuations(option, tuning.maxContinuations)
        // Our own counter answers a reset flood first; this token bucket is the backstop.
        nghttp2_option_set_stream_reset_rate_limit(option, UInt64(tuning.prematureResetAllowance) * 4, 100)

        // nghttp2 copies the allocator; its frame buffer is what an idle connection costs most.
        var allocator = nghttp2_mem(
            mem_user_data: nil, malloc: tg_paged_malloc, free: tg_paged_free, calloc: tg_paged_calloc,
            realloc: tg_paged_realloc)
        var created: OpaquePointer?
        let rv = nghttp2_session_server_new3(
            &created, callbacks, Unmanaged.passUnretained(self).toOpaque(), option, &allocator)
        guard rv == 0, let created else { throw HTTP2SessionError(libraryCode: rv, while: "creating the session") }
        session = created

        var settings = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                value: UInt32(clamping: limits.maxConcurrentStreams)),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                value: UInt32(clamping: limits.maxHeaderBytes)),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                value: UInt32(tuning.streamWindow)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES.rawValue), value: 1),
        ]
        let submitted = nghttp2_submit_settings(
            created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        guard submitted == 0 else { throw HTTP2SessionError(libraryCode: submitted, while: "submitting SETTINGS") }
        let widened = nghttp2_session_set_local_window_size(
            created, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, tuning.connectionWindow)
        guard widened == 0 else {
            throw HTTP2SessionError(libraryCode: widened, while: "widening the connection window")
        }
    }
}

/// One session belongs to one connection on one event loop.
@available(*, unavailable)
extension HTTP2ServerSession: Sendable {}
