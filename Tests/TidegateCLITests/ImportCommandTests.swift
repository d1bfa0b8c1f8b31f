import Foundation
import Testing

@Suite("tidegate import gatekeeper") struct ImportCommandTests {
    static let repos = """
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: K8sAllowedRepos
        metadata: {name: repo-is-openpolicyagent}
        spec:
          parameters: {repos: ["openpolicyagent/"]}
        ---
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: K8sRequiredLabels
        metadata: {name: owner}
        spec:
          parameters: {labels: [{key: owner}]}
        """

    @Test func writesThePolicyAndExplainsWhatIsLeftOut() throws {
        let result = try CLI.run(["import", "gatekeeper", "-"], stdin: Self.repos)
        #expect(result.status == 0)
        #expect(result.stdout.contains("trustedRegistries: [docker.io/openpolicyagent]"))
        #expect(result.stdout.contains("untrustedRegistry: deny"))
        #expect(result.stdout.contains("privileged: off"))
        #expect(result.stderr.contains("K8sRequiredLabels/owner: unsupported"))
    }

    @Test func exitsTwoWhenNothingCanBeImported() throws {
        let only = Self.repos.components(separatedBy: "---\n")[1]
        let result = try CLI.run(["import", "gatekeeper", "-"], stdin: only)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no constraint could be translated"))
    }

    @Test func theWrittenPolicyValidates() throws {
        let result = try CLI.run(["import", "gatekeeper", "-"], stdin: Self.repos)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("imported-\(UUID().uuidString).yaml")
        try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try CLI.run(["policy", "validate", file.path])
        #expect(check.status == 0, "\(check.stderr)")
    }
}
