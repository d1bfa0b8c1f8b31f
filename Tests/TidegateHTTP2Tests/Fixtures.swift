import CNGHTTP2
import Synchronization
import TidegateHTTP
@testable import TidegateHTTP2

/// Answers with what it was asked, so a test can check the request the codec built.
/// `/bytes?n=N` answers N deterministic bytes instead.
struct EchoResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.target.hasPrefix("/bytes?n="), let n = Int(request.target.dropFirst("/bytes?n=".count)) {
            return HTTPResponse(status: 200, body: patternBytes(n))
        }
        var headers = HTTPHeaders()
        headers.add(name: "x-method", value: request.method)
        headers.add(name: "x-target", value: request.target)
        headers.add(name: "x-version", value: request.version.rawValue)
        headers.add(name: "x-host", value: request.headers["host"] ?? "-")
        headers.add(name: "x-fields", value: request.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";"))
        // Forbidden in HTTP/2: the codec must drop it, or the client rejects the response.
        headers.add(name: "connection", value: "keep-alive")
        return HTTPResponse(status: request.method == "DELETE" ? 204 : 200, headers: headers, body: request.body)
    }
}

func patternBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}


/// Raw HTTP/2 framing, for writing what no well-behaved client library would send.
enum Wire {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum FrameType: UInt8 {
        case data = 0, headers = 1, priority = 2, rstStream = 3, settings = 4, pushPromise = 5, ping = 6, goaway = 7,
            windowUpdate = 8, continuation = 9
    }

    static func frame(_ type: FrameType, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = [],
                      declaredLength: Int? = nil) -> [UInt8] {
        let length = declaredLength ?? payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type.rawValue, flags]
            + be32(stream & 0x7FFF_FFFF) + payload
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// The client's opening: preface and an empty SETTINGS.
    static var opening: [UInt8] { preface + frame(.settings) }

    struct Frame { var type: UInt8; var flags: UInt8; var stream: UInt32; var payload: [UInt8] }

    /// Splits server output into frames (the server sends no preface).
    static func frames(_ bytes: [UInt8]) -> [Frame] {
        var out: [Frame] = []
        var i = 0
        while i + 9 <= bytes.count {
            let length = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            guard i + 9 + length <= bytes.count else { break }
            let stream = UInt32(bytes[i + 5]) << 24 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 8 | UInt32(bytes[i + 8])
            out.append(Frame(type: bytes[i + 3], flags: bytes[i + 4], stream: stream & 0x7FFF_FFFF,
                             payload: Array(bytes[(i + 9)..<(i + 9 + length)])))
            i += 9 + length
        }
        return out
    }

    /// The error code of the first GOAWAY in `bytes`, if any.
    static func goawayError(_ bytes: [UInt8]) -> UInt32? {
        guard let goaway = frames(bytes).first(where: { $0.type == FrameType.goaway.rawValue }), goaway.payload.count >= 8
        else { return nil }
        let p = goaway.payload
        return UInt32(p[4]) << 24 | UInt32(p[5]) << 16 | UInt32(p[6]) << 8 | UInt32(p[7])
    }
}

func makeServer(
    readLimit: Duration = .seconds(10), _ configure: (inout HTTPLimits) -> Void = { _ in }
) throws -> HTTP2ServerSession {
    var limits = HTTPLimits()
    configure(&limits)
    return try HTTP2ServerSession(responder: EchoResponder(), limits: limits, requestReadTimeout: readLimit)
}

/// Counts the requests that reached the application.
final class CountingResponder: HTTPResponder {
    let calls = Atomic<Int>(0)
    func respond(to request: HTTPRequest) -> HTTPResponse {
        calls.add(1, ordering: .relaxed)
        return HTTPResponse(status: 200)
    }
}

extension Wire {
    /// An HPACK-encoded header block made by nghttp2's own encoder, for hand-built HEADERS frames.
    static func headerBlock(_ fields: [(String, String)]) -> [UInt8] {
        var deflater: OpaquePointer?
        nghttp2_hd_deflate_new(&deflater, 4_096)
        defer { nghttp2_hd_deflate_del(deflater) }
        var flat: [UInt8] = []
        for (name, value) in fields { flat += Array(name.utf8) + Array(value.utf8) }
        return flat.withUnsafeMutableBufferPointer { buffer in
            var nva: [nghttp2_nv] = []
            var cursor = buffer.baseAddress!
            for (name, value) in fields {
                let n = name.utf8.count, v = value.utf8.count
                nva.append(nghttp2_nv(name: cursor, value: cursor + n, namelen: n, valuelen: v, flags: 0))
                cursor += n + v
            }
            var out = [UInt8](repeating: 0, count: nghttp2_hd_deflate_bound(deflater, nva, nva.count))
            let written = nghttp2_hd_deflate_hd(deflater, &out, out.count, nva, nva.count)
            return Array(out.prefix(max(0, written)))
        }
    }

    static func request(_ method: String = "POST", _ path: String = "/") -> [UInt8] {
        headerBlock([(":method", method), (":scheme", "https"), (":path", path), (":authority", "a")])
    }
}
