import Foundation
import Testing
import TidegateJSON

/// Runs the built `tidegate` binary the way scripts and CI pipelines do.
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let binary = packageRoot.appendingPathComponent(".build/debug/tidegate").path

    /// A file of the shared payloads: `shared/` sits next to the repository (as CI lays it out),
    /// or next to one of its ancestors.
    static func payload(_ name: String) -> URL {
        var dir = packageRoot
        while dir.path != "/" {
            let candidate = dir.deletingLastPathComponent().appendingPathComponent("shared/payloads/\(name)")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/payloads/\(name)")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: JSONValue? { try? JSONReader().parse(stdout) }
    }

    static func run(_ arguments: [String], stdin: String? = nil, in directory: URL? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("\(binary) is missing: build it first (swift build, or make test)")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

/// A scratch directory of manifest files.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tidegate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

enum Manifests {
    /// The founding example: allowed with exactly five warnings under the default policy.
    static let seed = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: team-a}
        spec:
          securityContext:
            runAsUser: 1000
            readOnlyRootFilesystem: true
          containers:
          - name: web
            image: nginx
            securityContext:
              capabilities:
                add: [NET_BIND_SERVICE]
        """

    static let denied = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          template:
            spec:
              containers:
              - name: api
                image: quay.io/acme/api:2.1
                securityContext: {privileged: true}
        """

    static let clean = """
        apiVersion: v1
        kind: Pod
        metadata: {name: ok, namespace: team-a}
        spec:
          securityContext: {runAsNonRoot: true, runAsUser: 1000}
          containers:
          - name: app
            image: gcr.io/team/app:1.2.3
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities: {drop: [ALL]}
        """
}

@Suite("tidegate check")
struct CheckCommandTests {
    @Test func theFoundingExampleIsAllowedWithExactlyTheFiveWarnings() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let file = try dir.write("seed.yaml", Manifests.seed)
        let result = try CLI.run(["check", "--output", "json", file])
        #expect(result.status == 0)
        let entry = try #require(result.json?[0])
        #expect(entry["allowed"] == true)
        #expect(entry["source"] == .string("\(file):0"))
        let rules = (entry["findings"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue }
        #expect(Set(rules) == [
            "images.implicitRegistry", "images.mutableTag", "securityContext.misplacedFields",
            "securityContext.requireDropAll", "securityContext.allowPrivilegeEscalation",
        ])
        #expect(rules.count == 5)
        for finding in entry["findings"]?.arrayValue ?? [] {
            #expect(finding["action"] == "warn")
            #expect(finding["path"]?.stringValue.flatMap(JSONPointer.init) != nil)
            #expect(finding["message"]?.stringValue?.isEmpty == false)
            #expect(finding["fix"]?.arrayValue != nil)
        }
    }

    @Test(arguments: [
        ("everything allowed exits 0", Manifests.clean, Int32(0)),
        ("a warning alone still exits 0", Manifests.seed, Int32(0)),
        ("a denial exits 1", Manifests.denied, Int32(1)),
        ("malformed YAML exits 2", "kind: Pod\nspec: [unclosed", Int32(2)),
        ("a document that is not an object exits 2", "- just\n- a list\n", Int32(2)),
    ])
    func exitCodesAreTheContract(_ name: String, _ manifest: String, _ expected: Int32) throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let file = try dir.write("m.yaml", manifest)
        let result = try CLI.run(["check", file])
        #expect(result.status == expected, "\(name): \(result.stderr)")
        if expected == 2 { #expect(result.stderr.contains(file), "the error names the file") }
    }

    @Test func directoriesAreReadRecursivelyWithMultiDocumentStreamsListsAndReviews() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try dir.write("a/seed.yaml", Manifests.seed + "\n---\n" + Manifests.clean)
        try dir.write("b/c/list.json", """
            {"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]}
            """)
        let review = try String(contentsOf: CLI.payload("pod-small.json"), encoding: .utf8)
        try dir.write("b/review.json", review)
        try dir.write("notes.txt", "not a manifest")
        let result = try CLI.run(["check", "--output", "json", dir.url.path])
        let entries = try #require(result.json?.arrayValue)
        #expect(entries.count == 4)
        #expect(entries.compactMap { $0["kind"]?.stringValue }.sorted() == ["ConfigMap", "Pod", "Pod", "Pod"])
        #expect(result.status == 1, "the review's image is from an untrusted registry")
    }

    @Test func standardInputIsReadFromDash() throws {
        let result = try CLI.run(["check", "--output", "json", "-"], stdin: Manifests.denied)
        #expect(result.status == 1)
        #expect(result.json?[0]?["source"] == "-:0")
        #expect(result.json?[0]?["findings"]?.arrayValue?.contains { $0["rule"] == "securityContext.privileged" } == true)
    }

    @Test func textOutputGroupsFindingsPerContainerWithTheirFixes() throws {
        let result = try CLI.run(["check", "-"], stdin: Manifests.seed)
        #expect(result.stdout.contains("container \"web\":"))
        #expect(result.stdout.contains("pod:"))
        #expect(result.stdout.contains("fix: "))
        #expect(result.stdout.contains("5 warnings"))
    }

    @Test func aPolicyFileChangesTheVerdict() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let policy = try dir.write("policy.yaml", """
            apiVersion: tidegate.dev/v1alpha1
            kind: Policy
            mode: warn
            """)
        let result = try CLI.run(["check", "--policy", policy, "-"], stdin: Manifests.denied)
        #expect(result.status == 0, "warn mode never denies")
    }

    @Test func anInvalidPolicyIsAUsageErrorWithFileLineAndField() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let policy = try dir.write("policy.yaml", """
            apiVersion: tidegate.dev/v1alpha1
            kind: Policy
            images:
              mutableTag: block
            """)
        let result = try CLI.run(["check", "--policy", policy, "-"], stdin: Manifests.clean)
        #expect(result.status == 2)
        #expect(result.stderr.contains("policy.yaml:4:"))
        #expect(result.stderr.contains("images.mutableTag"))
    }

    @Test(arguments: [["check"], ["check", "--output", "xml", "x"], ["nonsense"], ["check", "--no-such-flag", "x"]])
    func usageErrorsExit2(_ arguments: [String]) throws {
        #expect(try CLI.run(arguments).status == 2)
    }

    @Test func aThousandManifestsAreChecked() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        for i in 0..<1000 { try dir.write("m\(i).yaml", Manifests.clean.replacingOccurrences(of: "name: ok", with: "name: ok\(i)")) }
        let result = try CLI.run(["check", "--output", "json", dir.url.path])
        #expect(result.status == 0)
        #expect(result.json?.arrayValue?.count == 1000)
    }
}

@Suite("tidegate fix, explain, review, policy")
struct OtherCommandTests {
    @Test func fixedManifestsHaveNothingLeftToFix() throws {
        let fixed = try CLI.run(["fix", "-"], stdin: Manifests.seed)
        #expect(fixed.status == 0)
        #expect(fixed.stdout.contains("image: docker.io/library/nginx:latest"))
        let recheck = try CLI.run(["check", "--output", "json", "-"], stdin: fixed.stdout)
        let remaining = recheck.json?[0]?["findings"]?.arrayValue ?? []
        #expect(remaining.allSatisfy { $0["fix"]?.arrayValue?.isEmpty == true }, "only findings without a mechanical fix remain")
    }

    @Test func fixKeepsJSONInputAsJSON() throws {
        let json = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}"#
        let fixed = try CLI.run(["fix", "-"], stdin: json)
        let value = try JSONReader().parse(fixed.stdout)
        #expect(value["spec"]?["containers"]?[0]?["image"] == "docker.io/library/nginx:1.27")
    }

    @Test func fixPatchIsOneArrayForOneObjectAndSourcedEntriesForSeveral() throws {
        let one = try CLI.run(["fix", "--patch", "-"], stdin: Manifests.seed)
        let ops = try #require(one.json?.arrayValue)
        #expect(ops.allSatisfy { $0["op"] != nil && $0["path"] != nil })
        let two = try CLI.run(["fix", "--patch", "-"], stdin: Manifests.seed + "\n---\n" + Manifests.denied)
        let entries = try #require(two.json?.arrayValue)
        #expect(entries.map { $0["source"] } == ["-:0", "-:1"])
        #expect(entries.allSatisfy { $0["patch"]?.arrayValue != nil })
        #expect(two.status == 1, "judged on the input, which has a denial")
    }

    @Test func explainSaysWhoTheContainerRunsAsAndWhere() throws {
        let result = try CLI.run(["explain", "-"], stdin: Manifests.seed)
        #expect(result.status == 0)
        #expect(result.stdout.contains("whoami  uid 1000, from the pod"))
        #expect(result.stdout.contains("nginx → docker.io/library/nginx:latest"))
        #expect(result.stdout.contains("ignored"))
    }

    @Test(arguments: ["pod-small.json", "deployment-typical.json", "pod-large.json"])
    func reviewPrintsTheWebhookResponse(_ payload: String) throws {
        let file = CLI.payload(payload).path
        let result = try CLI.run(["review", file])
        let response = try #require(result.json)
        #expect(response["kind"] == "AdmissionReview")
        let request = try JSONReader().parse(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        #expect(response["response"]?["uid"] == request["request"]?["uid"])
        #expect(result.status == (response["response"]?["allowed"] == true ? 0 : 1))
    }

    @Test func policyDefaultPrintsAPolicyThatValidates() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let printed = try CLI.run(["policy", "default"])
        #expect(printed.stdout.hasPrefix("apiVersion: tidegate.dev/v1alpha1"))
        let file = try dir.write("default.yaml", printed.stdout)
        #expect(try CLI.run(["policy", "validate", file]).status == 0)
    }
}

@Suite("tidegate check --level")
struct LevelTests {
    @Test func theSeedPodMeetsBaselineAndListsWhatBlocksRestricted() throws {
        let result = try CLI.run(["check", "--level", "--output", "json", "-"], stdin: Manifests.seed)
        let report = try #require(result.json?[0]?["podSecurity"])
        #expect(report["level"] == "baseline")
        #expect(report["nextLevel"] == "restricted")
        let blockers = Set((report["blockers"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue })
        #expect(blockers == ["podSecurity.allowPrivilegeEscalation", "podSecurity.runAsNonRoot",
                             "podSecurity.seccompProfile_restricted", "podSecurity.capabilities_restricted"])
    }

    @Test func aPrivilegedPodMeetsOnlyPrivileged() throws {
        let result = try CLI.run(["check", "--level", "-"], stdin: Manifests.denied)
        #expect(result.stdout.contains("meets privileged"))
        #expect(result.stdout.contains("between it and baseline"))
    }

    @Test func anExemptObjectIsNotMeasuredEither() throws {
        let manifest = Manifests.denied.replacingOccurrences(of: "namespace: shop", with: "namespace: kube-system")
        let result = try CLI.run(["check", "--level", "--output", "json", "-"], stdin: manifest)
        #expect(result.json?[0]?["skipped"] == "namespace kube-system is exempt")
        #expect(result.json?[0]?["podSecurity"] == nil)
    }

    @Test func withoutTheFlagTheJSONContractIsUnchanged() throws {
        let result = try CLI.run(["check", "--output", "json", "-"], stdin: Manifests.seed)
        #expect(result.json?[0]?["podSecurity"] == nil)
    }

    @Test func aPolicyLevelDeniesWhatTheStandardForbids() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let policy = try dir.write("p.yaml", """
            apiVersion: tidegate.dev/v1alpha1
            kind: Policy
            podSecurity: {level: restricted, version: v1.30}
            """)
        let result = try CLI.run(["check", "--policy", policy, "--output", "json", "-"], stdin: Manifests.seed)
        #expect(result.status == 1)
        let rules = (result.json?[0]?["findings"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue }
        #expect(rules.contains("podSecurity.seccompProfile_restricted"))
    }
}

@Suite("tidegate check exemptions")
struct ExemptionTests {
    @Test func anExemptNamespaceIsReportedAsSuchNotAsMissingAPodSpec() throws {
        let manifest = Manifests.denied.replacingOccurrences(of: "namespace: shop", with: "namespace: kube-system")
        let text = try CLI.run(["check", "-"], stdin: manifest)
        #expect(text.status == 0)
        #expect(text.stdout.contains("not checked (namespace kube-system is exempt)"))
        let json = try CLI.run(["check", "--output", "json", "-"], stdin: manifest)
        #expect(json.json?[0]?["skipped"] == "namespace kube-system is exempt")
        #expect(json.json?[0]?["findings"] == [])
    }
}

@Suite("tidegate serve options")
struct ServeOptionTests {
    @Test("--idle-poll outside 0…1ms, or not a duration, is refused before anything starts",
          arguments: ["5ms", "1.5ms", "-1us", "100", "0.5", "fast"])
    func idlePollOutOfRangeRefused(_ value: String) throws {
        let scratch = try Scratch()
        let result = try CLI.run(["serve", "--dev", "--dev-dir", scratch.url.path + "/certs", "--idle-poll=\(value)"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--idle-poll \(value): expected a duration from 0 to 1ms"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.url.path + "/certs"), "certificates made before the refusal")
    }
}
