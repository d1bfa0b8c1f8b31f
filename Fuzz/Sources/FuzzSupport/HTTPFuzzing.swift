import TidegateHTTP

/// What the HTTP fuzz targets share: limits small enough that short inputs reach the 413/414/431
/// paths, and a responder that echoes the body (so answers depend on what was assembled).
public enum HTTPFuzzing {
    public static let limits: HTTPLimits = {
        var l = HTTPLimits()
        l.maxBodyBytes = 4096
        l.maxHeaderBytes = 1024
        l.maxHeaderCount = 16
        return l
    }()

    /// 200 with the request body (204 without one) and the target in `x-target`; with
    /// `closeOnRequest`, a target starting `/close` also asks to close the connection (HTTP/1.1).
    public struct Echo: HTTPResponder {
        let closeOnRequest: Bool
        public init(closeOnRequest: Bool = false) { self.closeOnRequest = closeOnRequest }

        public func respond(to request: HTTPRequest) -> HTTPResponse {
            var h = HTTPHeaders()
            h.add(name: "x-target", value: request.target)
            if closeOnRequest, request.target.hasPrefix("/close") { h.add(name: "connection", value: "close") }
            return HTTPResponse(status: request.body.isEmpty ? 204 : 200, headers: h, body: request.body)
        }
    }
}
