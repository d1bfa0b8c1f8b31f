import Foundation

enum HTTPVersion: String, CaseIterable, Sendable, CustomStringConvertible {
    case http1 = "--http1.1"
    case http2 = "--http2"

    var description: String { self == .http1 ? "HTTP/1.1" : "HTTP/2" }
    /// What curl's `%{http_version}` prints for it.
    var negotiated: String { self == .http1 ? "1.1" : "2" }
}

/// One curl transfer as seen from the outside.
struct CurlResult: Sendable {
    var exitCode: Int32
    var status: Int
    var httpVersion: String
    var body: [UInt8]
    var stderr: String
    /// Response header lines of every response (interim ones included), lowercased.
    var headers: String

    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw CocoaError(.propertyListReadCorrupt)
        }
        return object
    }
}

/// Runs curl once (`-sS`, body to a file, status and negotiated version from `--write-out`).
func curl(_ arguments: [String], directory: String? = nil) throws -> CurlResult {
    let bodyFile = NSTemporaryDirectory() + "tidegate-body-\(UUID().uuidString)"
    let headerFile = bodyFile + ".headers"
    defer {
        try? FileManager.default.removeItem(atPath: bodyFile)
        try? FileManager.default.removeItem(atPath: headerFile)
    }
    let result = try runCommand(
        ["curl", "-sS", "-o", bodyFile, "-D", headerFile, "-w", "%{http_code} %{http_version}"] + arguments,
        directory: directory)
    let fields = result.stdout.split(separator: " ")
    return CurlResult(
        exitCode: result.status,
        status: fields.first.flatMap { Int($0) } ?? 0,
        httpVersion: fields.count > 1 ? String(fields[1]) : "",
        body: (try? readBytes(bodyFile)) ?? [],
        stderr: result.stderr,
        headers: ((try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "").lowercased())
}

/// A POST of `bodyFile` to the admission port, trusting `caFile` only (never `-k`).
func postJSON(
    _ version: HTTPVersion, port: Int, path: String, bodyFile: String, caFile: String,
    contentType: String = "application/json", extra: [String] = []
) throws -> CurlResult {
    try curl([version.rawValue, "--cacert", caFile, "-H", "Content-Type: \(contentType)",
              "--data-binary", "@\(bodyFile)"] + extra + ["https://localhost:\(port)\(path)"])
}
