/// Routes requests by path, then method: an unknown path is 404, a known path with the wrong
/// method is 405 with an `Allow` header. The query (kube-apiserver's `?timeout=10s`) plays no
/// part in routing.
public struct HTTPRouter: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    /// A handful of short paths: comparing them beats hashing (about 900 instructions per
    /// request for the two dictionary lookups this replaced).
    private var routes: [(method: String, path: String, handler: Handler)] = []

    public init() {}

    /// Adds (or replaces) the handler for `method` on `path` (a path, no query).
    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes.removeAll { $0.method == method && $0.path == path }
        routes.append((method, path, handler))
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        for route in routes where route.method == request.method && route.path == path {
            return route.handler(request)
        }
        let methods = routes.filter { $0.path == path }
        guard !methods.isEmpty else { return .jsonError(404, "no route for \(path)") }
        if request.method == "HEAD", let get = methods.first(where: { $0.method == "GET" }) {
            var response = get.handler(request)
            response.body = []
            return response
        }
        var response = HTTPResponse.jsonError(405, "method \(request.method) not allowed on \(path)")
        response.headers.add(name: "allow", value: methods.map(\.method).sorted().joined(separator: ", "))  // unique: `add` replaces
        return response
    }
}
