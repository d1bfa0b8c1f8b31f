#if canImport(Glibc)
import Glibc
#endif
import TidegateHTTP

/// An incremental HTTP/1.1 request parser: bytes in, `HTTP1Event`s out. It holds no socket and
/// does no I/O, so the transport decides when bytes arrive and the tests can split them anywhere.
///
/// Memory stays bounded: at most one partial line (itself capped by the header limits) plus the
/// body of the current request (capped by `HTTPLimits.maxBodyBytes`) is buffered. Every input
/// byte is looked at once; nothing is rescanned when more bytes arrive.
///
/// Choices where RFC 9112 leaves room (all answered, then the connection closes):
/// - request line longer than 8 KiB: 414 (431 when `maxHeaderBytes` is the smaller limit);
/// - a repeated `Content-Length`, even with the same value: 400 (one framing, one source);
/// - `Transfer-Encoding` other than a single `chunked`: 501; on HTTP/1.0: 400;
/// - versions other than HTTP/1.0 and HTTP/1.1: 505. HTTP/1.0 requests are reported with
///   `HTTPVersion.http1_1` (the shared type has no 1.0 case); `keepAlive` carries the difference;
/// - POST, PUT and PATCH without a length: 411; other methods without one have an empty body;
/// - absolute-form targets are accepted and reduced to their path and query.
public struct HTTP1Parser: Sendable {
    /// Longest request line accepted, independent of the header section budget.
    static let maxRequestLineBytes = 8 * 1024
    /// Chunk-size lines are a few hex digits; the rest is extensions, which we tolerate up to here.
    static let maxChunkSizeLineBytes = 4 * 1024
    /// Body bytes reserved before any arrive (AdmissionReviews are mostly 3-60 KB).
    static let initialBodyCapacity = 64 * 1024

    enum State: Sendable, Equatable {
        case requestLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        /// After an error or a request that closes the connection: further bytes are ignored.
        case finished
    }

    let limits: HTTPLimits
    var state: State = .requestLine
    /// The start of a line whose end has not arrived yet. Complete lines are parsed in place.
    var partialLine: [UInt8] = []
    var pending = PendingRequest()
    /// Requests received in full on this connection so far.
    public private(set) var requestsReceived = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// True once the parser stopped reading: after an error or a request without keep-alive.
    public var isFinished: Bool { state == .finished }

    /// True while a request is partly received (request line, headers or body), false between
    /// requests. The transport applies its header/body deadline when true, its idle one when false.
    /// Empty lines between requests (some clients send a CRLF after a body) leave it idle.
    public var isMidRequest: Bool {
        switch state {
        case .finished: false
        case .requestLine: !partialLine.isEmpty
        default: true
        }
    }

    /// The time the client gives the request in progress (its `?timeout=`), once its request
    /// line is read; nil between requests or when it gives none.
    public var requestTimeLimit: Duration? { isMidRequest ? pending.timeLimit : nil }

    /// Bytes held for the request in progress (partial line plus body so far).
    var bufferedByteCount: Int { partialLine.count + pending.body.count }

    /// Parses `bytes`, which continue whatever was given before, and returns what they completed.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> [HTTP1Event] {
        var events: [HTTP1Event] = []
        parse(bytes, into: &events)
        return events
    }

    /// Parses `bytes` and appends the events to `events` (lets a caller reuse one array).
    public mutating func parse(_ bytes: UnsafeRawBufferPointer, into events: inout [HTTP1Event]) {
        let end = bytes.count
        var i = 0
        while i < end {
            switch state {
            case .finished:
                return
            case .fixedBody(let remaining):
                let take = min(remaining, end - i)
                guard reserveBody(take) else { return fail(.bodyBudgetSpent, &events) }
                pending.body.append(contentsOf: bytes.slice(i..<(i + take)))
                i += take
                if take == remaining {
                    completeRequest(&events)
                } else {
                    state = .fixedBody(remaining: remaining - take)
                }
            case .chunkData(let remaining):
                let take = min(remaining, end - i)
                guard reserveBody(take) else { return fail(.bodyBudgetSpent, &events) }
                pending.body.append(contentsOf: bytes.slice(i..<(i + take)))
                i += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .requestLine, .headerLines, .chunkSize, .chunkDataEnd, .trailers:
                i = consumeLine(bytes, from: i, &events)
            }
        }
    }

    /// Covers `count` more body bytes from the server-wide budget, when there is one.
    private mutating func reserveBody(_ count: Int) -> Bool {
        limits.bodyBudget?.cover(&pending.reservation, total: pending.body.count + count) ?? true
    }

    /// Reads up to and including the next LF. A complete line is handled straight from `bytes`
    /// unless its start was buffered by an earlier call; an incomplete one is buffered, within
    /// the current line limit, so a peer cannot make us hold more than the limits allow.
    private mutating func consumeLine(_ bytes: UnsafeRawBufferPointer, from start: Int,
                                      _ events: inout [HTTP1Event]) -> Int {
        let end = bytes.count
        let (limit, tooLong) = lineLimit()
        // An LF further than this would make the line too long: no need to look past it.
        let scanEnd = min(end, start + max(0, limit - partialLine.count))
        // memchr: a byte-at-a-time loop here was ~1,000 instructions per request's header.
        var lf = scanEnd
        if scanEnd > start, let base = bytes.baseAddress, let hit = memchr(base + start, Int32(ASCII.lf), scanEnd - start) {
            lf = base.distance(to: UnsafeRawPointer(hit))
        }
        if lf == scanEnd {
            if scanEnd < end {
                fail(tooLong, &events)
            } else {
                partialLine.append(contentsOf: bytes.slice(start..<end))
            }
            return end
        }
        let lineLength = partialLine.count + (lf - start) + 1
        if partialLine.isEmpty {
            handleLine(bytes.slice(start..<lf), length: lineLength, &events)
        } else {
            var line: [UInt8] = []
            swap(&line, &partialLine)
            line.append(contentsOf: bytes.slice(start..<lf))
            line.withUnsafeBytes { handleLine($0, length: lineLength, &events) }
            line.removeAll(keepingCapacity: true)
            if partialLine.isEmpty { swap(&line, &partialLine) }
        }
        return lf + 1
    }

    /// The longest line (LF included) the current state accepts, and the error past it.
    private func lineLimit() -> (Int, HTTP1Error) {
        switch state {
        case .requestLine:
            let budget = limits.maxHeaderBytes - pending.headerBytes
            return budget >= Self.maxRequestLineBytes
                ? (Self.maxRequestLineBytes, HTTP1Error(status: 414, reason: "request line too long"))
                : (budget, .headerSectionTooLarge)
        case .headerLines:
            return (limits.maxHeaderBytes - pending.headerBytes, .headerSectionTooLarge)
        case .trailers:
            return (limits.maxHeaderBytes - pending.trailerBytes, .headerSectionTooLarge)
        case .chunkSize:
            return (Self.maxChunkSizeLineBytes, HTTP1Error(status: 400, reason: "chunk size line too long"))
        case .chunkDataEnd:
            return (2, HTTP1Error(status: 400, reason: "chunk data longer than its declared size"))
        case .fixedBody, .chunkData, .finished:
            return (0, HTTP1Error(status: 500, reason: "no line expected"))
        }
    }

    /// `raw` is the line without its LF; `length` counts every byte of it, LF included.
    private mutating func handleLine(_ raw: UnsafeRawBufferPointer, length: Int, _ events: inout [HTTP1Event]) {
        guard let last = raw.last, last == ASCII.cr else {
            fail(HTTP1Error(status: 400, reason: "line not terminated by CRLF"), &events)
            return
        }
        let line = raw.slice(0..<(raw.count - 1))
        let error: HTTP1Error?
        switch state {
        case .requestLine:
            pending.headerBytes += length
            // RFC 9112 §2.2: empty lines before a request line are ignored (they still count
            // towards the header budget, so an endless stream of them ends in 431).
            if line.isEmpty { return }
            error = parseRequestLine(line)
            if error == nil { state = .headerLines }
        case .headerLines:
            pending.headerBytes += length
            error = line.isEmpty ? finishHeaders(&events) : parseFieldLine(line)
        case .chunkSize:
            error = parseChunkSize(line)
        case .chunkDataEnd:
            error = line.isEmpty ? nil : HTTP1Error(status: 400, reason: "chunk data longer than its declared size")
            if error == nil { state = .chunkSize }
        case .trailers:
            pending.trailerBytes += length
            if line.isEmpty {
                completeRequest(&events)
                return
            }
            error = parseTrailerLine(line)
        case .fixedBody, .chunkData, .finished:
            error = nil
        }
        if let error { fail(error, &events) }
    }

    mutating func fail(_ error: HTTP1Error, _ events: inout [HTTP1Event]) {
        events.append(.error(error))
        state = .finished
        partialLine = []
        pending = PendingRequest()
    }

    mutating func completeRequest(_ events: inout [HTTP1Event]) {
        let keepAlive = pending.keepAlive
        let request = HTTPRequest(method: pending.method, target: pending.target, headers: pending.headers,
                                  body: pending.body, version: .http1_1)
        pending = PendingRequest()
        requestsReceived += 1
        state = keepAlive ? .requestLine : .finished
        events.append(.request(request, keepAlive: keepAlive))
    }
}

extension HTTP1Error {
    static let headerSectionTooLarge = HTTP1Error(status: 431, reason: "header section too large")
    /// The server-wide `BodyBudget` is spent: retryable, unlike 413.
    static let bodyBudgetSpent = HTTP1Error(status: 503, reason: HTTPLimits.bodyBudgetSpentReason)
}
