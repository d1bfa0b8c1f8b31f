/// Routes requests by path, then method: an unknown path is 404, a known path with the wrong
/// method is 405 with an `Allow` header.
public struct HTTPRouter: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    private var routes: [String: [String: Handler]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: [:]][method] = handler
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let byMethod = routes[String(request.path)] else {
            return .jsonError(404, "no route for \(request.path)")
        }
        if let handler = byMethod[request.method] { return handler(request) }
        if request.method == "HEAD", let get = byMethod["GET"] {
            var response = get(request)
            response.body = []
            return response
        }
        var response = HTTPResponse.jsonError(405, "method \(request.method) not allowed on \(request.path)")
        response.headers.add(name: "allow", value: byMethod.keys.sorted().joined(separator: ", "))
        return response
    }
}
