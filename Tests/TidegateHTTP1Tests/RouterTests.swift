import Testing
import TidegateHTTP

/// Routing by path then method; the query never changes the route.
@Suite("Router")
struct RouterTests {
    static var router: HTTPRouter {
        var router = HTTPRouter()
        router.add("POST", "/validate") { _ in HTTPResponse(status: 200, body: Array("validate".utf8)) }
        router.add("GET", "/healthz") { _ in HTTPResponse(status: 200, body: Array("ok".utf8)) }
        router.add("POST", "/healthz") { _ in HTTPResponse(status: 201) }
        return router
    }

    static let cases: [(method: String, target: String, status: Int, body: String, allow: String?)] = [
        ("POST", "/validate", 200, "validate", nil),
        ("POST", "/validate?timeout=10s", 200, "validate", nil),   // how kube-apiserver calls
        ("GET", "/healthz", 200, "ok", nil),
        ("HEAD", "/healthz", 200, "", nil),                         // GET's answer without a body
        ("GET", "/validate?timeout=10s", 405, "", "POST"),
        ("DELETE", "/healthz", 405, "", "GET, POST"),
        ("GET", "/nowhere?timeout=10s", 404, "", nil),
        ("POST", "/validate/", 404, "", nil),                        // paths compare exactly
    ]

    @Test("routes", arguments: cases)
    func routes(_ c: (method: String, target: String, status: Int, body: String, allow: String?)) {
        let response = Self.router.respond(to: HTTPRequest(method: c.method, target: c.target))
        #expect(response.status == c.status)
        if c.status == 200 { #expect(String(decoding: response.body, as: UTF8.self) == c.body) }
        #expect(response.headers["allow"] == c.allow)
    }
}
