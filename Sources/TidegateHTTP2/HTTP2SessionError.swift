import CNGHTTP2

/// Why an HTTP/2 connection cannot go on. Stream-level problems (a bad request, a reset) never
/// surface here: they are answered on their stream and the connection lives on.
public struct HTTP2SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The first bytes were not the HTTP/2 client connection preface.
        case badClientPreface
        /// The peer sent more of something than we bound: control frames wanting an ACK
        /// (SETTINGS/PING) or CONTINUATION frames after one HEADERS.
        case flooded
        /// Any other unrecoverable protocol or library failure.
        case protocolFailure
        /// Bytes arrived after the connection had already failed.
        case closed
    }

    public var kind: Kind
    /// The libnghttp2 error code (`nghttp2_error`), 0 when the error did not come from the library.
    public var libraryCode: Int32
    public var detail: String

    public var description: String { "HTTP/2 session error (\(kind)): \(detail)" }

    init(kind: Kind, libraryCode: Int32 = 0, detail: String) {
        self.kind = kind
        self.libraryCode = libraryCode
        self.detail = detail
    }

    init(libraryCode code: Int32, while action: String) {
        let kind: Kind =
            switch code {
            case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue: .badClientPreface
            case NGHTTP2_ERR_FLOODED.rawValue, NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue: .flooded
            default: .protocolFailure
            }
        self.init(kind: kind, libraryCode: code, detail: "\(action): \(String(cString: nghttp2_strerror(code)))")
    }
}
