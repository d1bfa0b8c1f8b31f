import CNGHTTP2
import TidegateHTTP
@testable import TidegateHTTP2

/// What a client saw of one stream.
struct ClientStream {
    var status: Int?
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var closed = false
    var closeError: UInt32 = 0
    var resetByServer: UInt32?

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
}

/// A real nghttp2 client session talking to the server session through memory.
final class TestClient {
    private(set) var session: OpaquePointer!
    var streams: [Int32: ClientStream] = [:]
    var goaways: [(lastStreamID: Int32, error: UInt32)] = []
    /// Request bodies being sent; `allowed` is how many of their bytes may leave so far.
    var outgoingBodies: [Int32: (bytes: [UInt8], offset: Int, allowed: Int)] = [:]
    /// Trailer fields sent after a stream's body.
    var trailers: [Int32: [(String, String)]] = [:]

    init(peerMaxConcurrentStreams: Int? = nil, checkMessaging: Bool = true, settings: [nghttp2_settings_entry] = []) {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks, clientOnHeader)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, clientOnData)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, clientOnFrame)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, clientOnClose)
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        if let peerMaxConcurrentStreams {
            nghttp2_option_set_peer_max_concurrent_streams(option, UInt32(peerMaxConcurrentStreams))
        }
        if !checkMessaging { nghttp2_option_set_no_http_messaging(option, 1) }
        // The default caps what the client sends by the uncompressed size; HPACK bombs need more.
        nghttp2_option_set_max_send_header_block_length(option, 1 << 20)
        nghttp2_session_client_new2(&session, callbacks, Unmanaged.passUnretained(self).toOpaque(), option)
        var entries = settings
        nghttp2_submit_settings(session, 0, &entries, entries.count)
    }

    deinit { nghttp2_session_del(session) }

    /// Submits a request; with `holdBody` only the first `sendFirst` body bytes leave until
    /// `release(_:)`, and the stream stays open.
    @discardableResult
    func request(
        _ method: String = "GET", _ path: String = "/", authority: String = "webhook.test",
        headers extra: [(String, String)] = [], body: [UInt8]? = nil, holdBody: Bool = false, sendFirst: Int = 0,
        pseudoHeaders: [(String, String)]? = nil, trailers trailerFields: [(String, String)]? = nil
    ) -> Int32 {
        let fields = (pseudoHeaders ?? [(":method", method), (":scheme", "https"), (":path", path), (":authority", authority)])
            + extra
        let storage: [[UInt8]] = fields.flatMap { [Array($0.0.utf8), Array($0.1.utf8)] }
        let id: Int32 = withNV(storage) { nva in
            if let body {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: clientReadBody)
                // The stream id is not known before submission; park the body under a marker.
                outgoingBodies[-1] = (body, 0, holdBody ? sendFirst : body.count)
                let id = nghttp2_submit_request(session, nil, nva, nva.count, &provider, nil)
                if let parked = outgoingBodies.removeValue(forKey: -1) { outgoingBodies[id] = parked }
                return id
            }
            return nghttp2_submit_request(session, nil, nva, nva.count, nil, nil)
        }
        streams[id] = ClientStream()
        if let trailerFields { trailers[id] = trailerFields }
        return id
    }

    func submitTrailers(_ id: Int32) -> Bool {
        guard let fields = trailers.removeValue(forKey: id) else { return false }
        let storage: [[UInt8]] = fields.flatMap { [Array($0.0.utf8), Array($0.1.utf8)] }
        return withNV(storage) { nva in nghttp2_submit_trailer(session, id, nva, nva.count) } == 0
    }

    func release(_ id: Int32) {
        if let count = outgoingBodies[id]?.bytes.count { outgoingBodies[id]?.allowed = count }
        nghttp2_session_resume_data(session, id)
    }

    func reset(_ id: Int32, error: nghttp2_error_code = NGHTTP2_CANCEL) {
        nghttp2_submit_rst_stream(session, 0, id, error.rawValue)
    }

    func goAway() { nghttp2_session_terminate_session(session, NGHTTP2_NO_ERROR.rawValue) }

    func output() -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            var chunk: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &chunk)
            guard n > 0, let chunk else { break }
            bytes.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
        }
        return bytes
    }

    @discardableResult
    func input(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { nghttp2_session_mem_recv(session, $0.baseAddress, $0.count) }
    }

    private func withNV<R>(_ storage: [[UInt8]], _ body: ([nghttp2_nv]) -> R) -> R {
        // One contiguous buffer keeps every pointer valid for the whole submission.
        var flat: [UInt8] = []
        var lengths: [Int] = []
        for part in storage {
            flat.append(contentsOf: part)
            lengths.append(part.count)
        }
        flat.append(0)
        return flat.withUnsafeMutableBufferPointer { buffer in
            var nva: [nghttp2_nv] = []
            var cursor = buffer.baseAddress!
            var i = 0
            while i + 1 < lengths.count {
                nva.append(nghttp2_nv(name: cursor, value: cursor + lengths[i], namelen: lengths[i], valuelen: lengths[i + 1], flags: 0))
                cursor += lengths[i] + lengths[i + 1]
                i += 2
            }
            return body(nva)
        }
    }

    static func of(_ userData: UnsafeMutableRawPointer?) -> TestClient {
        Unmanaged<TestClient>.fromOpaque(userData!).takeUnretainedValue()
    }
}

private func clientOnHeader(
    _ s: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nl: Int,
    _ value: UnsafePointer<UInt8>?, _ vl: Int, _ flags: UInt8, _ user: UnsafeMutableRawPointer?
) -> Int32 {
    let client = TestClient.of(user)
    let id = frame!.pointee.hd.stream_id
    let n = String(decoding: UnsafeBufferPointer(start: name, count: nl), as: UTF8.self)
    let v = String(decoding: UnsafeBufferPointer(start: value, count: vl), as: UTF8.self)
    if n == ":status" { client.streams[id, default: ClientStream()].status = Int(v) }
    else { client.streams[id, default: ClientStream()].headers.append((n, v)) }
    return 0
}

private func clientOnData(
    _ s: OpaquePointer?, _ flags: UInt8, _ id: Int32, _ data: UnsafePointer<UInt8>?, _ len: Int,
    _ user: UnsafeMutableRawPointer?
) -> Int32 {
    TestClient.of(user).streams[id, default: ClientStream()].body.append(contentsOf: UnsafeBufferPointer(start: data, count: len))
    return 0
}

private func clientOnFrame(_ s: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ user: UnsafeMutableRawPointer?) -> Int32 {
    let client = TestClient.of(user)
    let f = frame!.pointee
    switch UInt32(f.hd.type) {
    case NGHTTP2_GOAWAY.rawValue: client.goaways.append((f.goaway.last_stream_id, f.goaway.error_code))
    case NGHTTP2_RST_STREAM.rawValue: client.streams[f.hd.stream_id, default: ClientStream()].resetByServer = f.rst_stream.error_code
    default: break
    }
    return 0
}

private func clientOnClose(_ s: OpaquePointer?, _ id: Int32, _ error: UInt32, _ user: UnsafeMutableRawPointer?) -> Int32 {
    let client = TestClient.of(user)
    client.streams[id, default: ClientStream()].closed = true
    client.streams[id, default: ClientStream()].closeError = error
    client.outgoingBodies[id] = nil
    return 0
}

private func clientReadBody(
    _ s: OpaquePointer?, _ id: Int32, _ buf: UnsafeMutablePointer<UInt8>?, _ length: Int,
    _ flags: UnsafeMutablePointer<UInt32>?, _ source: UnsafeMutablePointer<nghttp2_data_source>?,
    _ user: UnsafeMutableRawPointer?
) -> Int {
    let client = TestClient.of(user)
    let key = client.outgoingBodies[id] != nil ? id : -1
    guard var pending = client.outgoingBodies[key] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
    if pending.offset >= pending.allowed && pending.offset < pending.bytes.count { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
    let n = min(length, pending.allowed - pending.offset)
    pending.bytes.withUnsafeBufferPointer { buf!.update(from: $0.baseAddress! + pending.offset, count: n) }
    pending.offset += n
    if pending.offset == pending.bytes.count {
        flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        if client.submitTrailers(id) { flags!.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue }
    }
    client.outgoingBodies[key] = pending
    return n
}

/// Moves bytes both ways until neither side has anything left to say.
func exchange(_ client: TestClient, _ server: HTTP2ServerSession, rounds: Int = 10_000) throws {
    for _ in 0..<rounds {
        let toServer = client.output()
        if !toServer.isEmpty { try server.receive(toServer) }
        var toClient: [UInt8] = []
        server.takeOutput(into: &toClient)
        if !toClient.isEmpty { client.input(toClient) }
        if toServer.isEmpty && toClient.isEmpty { return }
    }
}
