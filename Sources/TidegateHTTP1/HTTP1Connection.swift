import TidegateHTTP

/// What the transport should do with the connection after writing the output.
public enum HTTP1ConnectionState: Sendable, Equatable {
    /// Keep reading.
    case open
    /// Write what is in the output, then close. Further input is ignored.
    case closeAfterFlush
}

/// Where a connection is between reads, so the transport can pick its deadline.
public enum HTTP1ReadPhase: Sendable, Equatable {
    /// Between requests: the keep-alive idle deadline applies.
    case idle
    /// A request is partly received: the header/body read deadline applies (slowloris defence).
    case midRequest
    /// Nothing more will be read.
    case closed
}

/// One HTTP/1.1 server connection: the parser plus a responder. Responses are produced
/// synchronously in arrival order, which is what pipelining requires.
public struct HTTP1Connection: Sendable {
    private var parser: HTTP1Parser
    /// Reused between reads so a read does not allocate an event array.
    private var events: [HTTP1Event] = []
    private var closing = false

    public init(limits: HTTPLimits = HTTPLimits()) {
        parser = HTTP1Parser(limits: limits)
    }

    public var readPhase: HTTP1ReadPhase {
        if closing { return .closed }
        return parser.isMidRequest ? .midRequest : .idle
    }

    /// The time the client gives the request in progress (`?timeout=`): past it, nobody waits
    /// for the answer, so the transport stops waiting for the rest of the request.
    public var requestTimeLimit: Duration? { closing ? nil : parser.requestTimeLimit }

    /// Requests received in full so far. When one read finishes a request and begins the next
    /// (pipelining), the phase stays mid-request while this moves on.
    public var requestsReceived: Int { parser.requestsReceived }

    /// Bytes held for the request in progress.
    public var bufferedByteCount: Int { parser.bufferedByteCount }

    /// Feeds bytes read from the peer; appends interim and final responses to `output`.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, responder: some HTTPResponder,
                                 output: inout [UInt8]) -> HTTP1ConnectionState {
        if closing { return .closeAfterFlush }
        parser.parse(bytes, into: &events)
        for event in events where !closing {
            switch event {
            case .sendContinue:
                output.append(contentsOf: HTTP1ResponseEncoder.continueResponse)
            case .error(let error):
                HTTP1ResponseEncoder.encode(error, into: &output)
                closing = true
            case .request(let request, let keepAlive):
                let response = responder.respond(to: request)
                let handlerCloses = response.headers.contains(name: "connection", valueContaining: "close")
                let persistence: HTTP1ResponseEncoder.Persistence
                if !keepAlive || handlerCloses {
                    persistence = .close
                    closing = true
                } else {
                    // An HTTP/1.0 peer only keeps the connection if told so; echoing an explicit
                    // keep-alive to an HTTP/1.1 peer is harmless, so the version need not be known.
                    persistence = asksForKeepAlive(request) ? .announceKeepAlive : .keepAlive
                }
                HTTP1ResponseEncoder.encode(response, headRequest: request.method == "HEAD",
                                            persistence: persistence, into: &output)
            }
        }
        events.removeAll(keepingCapacity: true)
        return closing ? .closeAfterFlush : .open
    }

    /// The transport's read deadline passed. Mid-request, the peer gets a 408; an idle
    /// connection is closed silently (RFC 9112 §9.5). Either way the connection is done.
    public mutating func readTimedOut(output: inout [UInt8]) -> HTTP1ConnectionState {
        if !closing && parser.isMidRequest {
            HTTP1ResponseEncoder.encode(HTTP1Error(status: 408, reason: "request not received in time"),
                                        into: &output)
        }
        closing = true
        return .closeAfterFlush
    }

    private func asksForKeepAlive(_ request: HTTPRequest) -> Bool {
        request.headers.contains(name: "connection", valueContaining: "keep-alive")
    }
}
