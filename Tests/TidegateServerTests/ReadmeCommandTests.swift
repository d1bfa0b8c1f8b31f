import Foundation
import Testing

/// The commands the README shows, run as written against `tidegate serve --dev`; only the ports and
/// the payload path are substituted.
@Suite("README commands")
struct ReadmeCommandTests {
    static let readme = [
        "curl --cacert certs/dev/ca.pem -H 'Content-Type: application/json' --data @../shared/payloads/pod-small.json https://localhost:8443/validate",
        "curl --http2 --cacert certs/dev/ca.pem -H 'Content-Type: application/json' --data @../shared/payloads/pod-small.json https://localhost:8443/validate",
        "curl http://localhost:8081/healthz",
    ]

    @Test("the README curl commands work against `tidegate serve --dev` and match `tidegate review`")
    func readmeCommands() throws {
        let directory = try makeTemporaryDirectory("readme")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BinaryServer(directory: directory)
        defer { server.kill() }
        func substituted(_ command: String) -> String {
            command
                .replacingOccurrences(of: "localhost:8443", with: "localhost:\(server.httpsPort)")
                .replacingOccurrences(of: "localhost:8081", with: "localhost:\(server.healthPort)")
                .replacingOccurrences(of: "../shared/payloads", with: Paths.payloads)
        }
        let expected = try runCommand([Paths.binary, "review", Paths.payload("pod-small.json")])
        #expect(expected.status == 1, "the small pod is denied by the default policy")
        // `review` ends its output with a newline for the terminal; the HTTP body has none.
        let expectedBody = String(expected.stdout.dropLast(expected.stdout.hasSuffix("\n") ? 1 : 0))

        for command in Self.readme.prefix(2) {
            let result = try runCommand(["sh", "-c", substituted(command)], directory: directory)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout == expectedBody, "\(command) disagrees with `tidegate review`")
        }
        let health = try runCommand(["sh", "-c", substituted(Self.readme[2])], directory: directory)
        #expect(health.status == 0)
        #expect(health.stdout == "ok\n")

        server.signal(SIGTERM)
        #expect(server.waitForExit().status == 0)
    }

    @Test("--dev-dir may be an absolute, nested path: it is created and nothing lands in the working directory")
    func absoluteDevDirectory() throws {
        let workingDirectory = try makeTemporaryDirectory("cwd")
        let elsewhere = try makeTemporaryDirectory("devdir")
        defer {
            try? FileManager.default.removeItem(atPath: workingDirectory)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        let devDirectory = elsewhere + "/nested/certs/dev"
        let server = try BinaryServer(directory: workingDirectory, devDirectory: devDirectory)
        defer { server.kill() }
        let ca = devDirectory + "/ca.pem"
        #expect(FileManager.default.fileExists(atPath: ca))
        #expect(try curl(["--cacert", ca, "https://localhost:\(server.httpsPort)/healthz"]).status == 200)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workingDirectory).isEmpty)
        server.signal(SIGTERM)
        #expect(server.waitForExit().status == 0)
    }
}
