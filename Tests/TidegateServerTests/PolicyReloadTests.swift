import Foundation
import Testing

/// `tidegate serve --policy FILE` picks up a changed policy file without a restart, and refuses a
/// broken one while the previous policy keeps deciding.
@Suite("Policy hot reload")
struct PolicyReloadTests {
    static let trustsExampleRegistry = """
        apiVersion: tidegate.dev/v1alpha1
        kind: Policy
        images:
          trustedRegistries: [docker.io/library, registry.example.com]
        """
    static let trustsDockerLibraryOnly = """
        apiVersion: tidegate.dev/v1alpha1
        kind: Policy
        images:
          trustedRegistries: [docker.io/library]
        """
    static let invalid = """
        apiVersion: tidegate.dev/v1alpha1
        kind: Policy
        images:
          trustedRegistries: [docker.io/library, registry.example.com]
          untrustedRegistry: sometimes
        """

    @Test("a changed policy file flips the decision; an invalid one is refused, counted, and the old policy stays")
    func policyFileReload() throws {
        let directory = try makeTemporaryDirectory("policy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policyFile = directory + "/policy.yaml"
        try writeFile(policyFile, Self.trustsExampleRegistry)
        let review = directory + "/review.json"
        try writeFile(review, try Paths.payloadBytes("pod-small.json"))

        let server = try BinaryServer(directory: directory, extraArguments: ["--policy", policyFile])
        defer { server.kill() }
        func allowed() throws -> Bool? {
            let result = try postJSON(.http1, port: server.httpsPort, path: "/validate", bodyFile: review, caFile: server.caFile)
            return (try? result.json())?["response"].flatMap { ($0 as? [String: Any])?["allowed"] as? Bool }
        }
        #expect(try allowed() == true, "the starting policy trusts registry.example.com")

        try replaceFile(policyFile, Array(Self.trustsDockerLibraryOnly.utf8))
        #expect(try eventually(every: .milliseconds(100)) { try allowed() == false }, "the new policy never took effect")
        #expect(metricValue(#"tidegate_reloads_total{what="policy",result="success"}"#, in: try server.metrics()) >= 1)

        try replaceFile(policyFile, Array(Self.invalid.utf8))
        #expect(try eventually(every: .milliseconds(100)) {
            metricValue(#"tidegate_reloads_total{what="policy",result="failure"}"#, in: try server.metrics()) >= 1
        }, "the invalid policy was never refused")
        #expect(try allowed() == false, "the refused policy (which trusts registry.example.com) must not be in force")
        #expect(try curl(["http://127.0.0.1:\(server.healthPort)/readyz"]).status == 200)

        server.signal(SIGTERM)
        #expect(server.waitForExit().status == 0)
    }
}
