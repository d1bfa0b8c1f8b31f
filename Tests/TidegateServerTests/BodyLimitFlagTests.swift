import Foundation
import Testing

/// `--max-body` and `--body-budget` (or TIDEGATE_MAX_BODY, TIDEGATE_BODY_BUDGET): sizes an operator
/// sets for very large pods or a tight memory limit, reaching both protocols.
@Suite("--max-body and --body-budget")
struct BodyLimitFlagTests {
    @Test("a 4Ki largest body: a 2.9 KB review is answered, an 8.7 KB one gets 413, over HTTP/1.1 and HTTP/2",
          arguments: [("flag", ["--max-body", "4Ki"], [String: String]()), ("environment", [], ["TIDEGATE_MAX_BODY": "4096"])])
    func smallerLargestBody(source: String, arguments: [String], environment: [String: String]) throws {
        let directory = try makeTemporaryDirectory("max-body")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let small = directory + "/pod-small.json", large = directory + "/deployment-typical.json"
        try writeFile(small, try Paths.payloadBytes("pod-small.json"))
        try writeFile(large, try Paths.payloadBytes("deployment-typical.json"))
        let server = try BinaryServer(directory: directory, extraArguments: arguments, environment: environment)
        defer { server.kill() }
        #expect(server.command.stderrSoFar.contains(#""max_body_bytes":4096"#), "\(source)")
        for version in [HTTPVersion.http1, .http2] {
            let answered = try postJSON(version, port: server.httpsPort, path: "/validate", bodyFile: small, caFile: server.caFile)
            #expect(answered.status == 200, "\(source) \(version): \(answered.text)")
        }
        let refused = try postJSON(.http1, port: server.httpsPort, path: "/validate", bodyFile: large, caFile: server.caFile)
        #expect(refused.status == 413, "\(source): \(refused.text)")
        #expect(refused.text.contains("request body larger than 4096 bytes"), "\(source): \(refused.text)")
        // curl 7.88 drops an HTTP/2 answer followed by RST_STREAM while it still uploads
        // (ErrorResponseTests), so nghttp is the HTTP/2 client here.
        let refused2 = try runCommand(["nghttp", "-v", "-d", large, "-H", "content-type: application/json",
                                       "https://127.0.0.1:\(server.httpsPort)/validate"])
        #expect(refused2.stdout.contains(":status: 413"), "\(source): \(refused2.stdout.suffix(1500))")
        #expect(refused2.stdout.contains("request body larger than 4096 bytes"), "\(source)")
    }

    @Test("a larger largest body raises the budget to hold it, and the startup line says both")
    func largerLargestBodyAndBudget() throws {
        let directory = try makeTemporaryDirectory("body-budget")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BinaryServer(directory: directory, extraArguments: ["--max-body", "48Mi"])
        defer { server.kill() }
        #expect(server.command.stderrSoFar.contains(#""max_body_bytes":50331648"#))
        #expect(server.command.stderrSoFar.contains(#""body_budget_bytes":50331648"#))
        let budgeted = try BinaryServer(directory: directory, devDirectory: "certs/other", extraArguments: ["--body-budget", "64Mi"],
                                        environment: ["TIDEGATE_MAX_BODY": "1Mi"])
        defer { budgeted.kill() }
        #expect(budgeted.command.stderrSoFar.contains(#""max_body_bytes":1048576"#))
        #expect(budgeted.command.stderrSoFar.contains(#""body_budget_bytes":67108864"#))
    }

    @Test("bad sizes are refused at start, naming the flag or variable", arguments: [
        (["--max-body", "3MB"], [String: String](), "--max-body 3MB: expected a size in bytes"),
        ([], ["TIDEGATE_MAX_BODY": "1.5Mi"], "TIDEGATE_MAX_BODY 1.5Mi: expected a size in bytes"),
        (["--max-body", "100"], [:], "--max-body 100: expected from 1Ki to 1Gi"),
        (["--body-budget", "2Gi"], [:], "--body-budget 2Gi: expected from 1Ki to 1Gi"),
        // Smaller than the default largest body (3 MiB): that body could never be accepted.
        ([], ["TIDEGATE_BODY_BUDGET": "1Mi"], "the body budget (1Mi) is smaller than the largest body (3Mi)"),
        (["--body-budget", "8Mi", "--max-body", "16Mi"], [:], "the body budget (8Mi) is smaller than the largest body (16Mi)"),
    ])
    func invalid(arguments: [String], environment: [String: String], message: String) throws {
        let result = try BinaryServer.refusedStart(arguments, environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
