import Foundation
import Testing
import TidegatePolicy
@testable import TidegateConfig

private let header = "apiVersion: tidegate.dev/v1alpha1\nkind: Policy\n"

private func parse(_ body: String) throws -> Policy {
    try PolicyLoader.parse(text: header + body, source: "policy.yaml")
}

private func errors(_ text: String) -> [String] {
    do {
        _ = try PolicyLoader.parse(text: text, source: "policy.yaml")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

@Suite struct DefaultPolicyTextTests {
    @Test func defaultTextParsesToTheBuiltInDefault() throws {
        #expect(try PolicyLoader.parse(text: PolicyLoader.defaultPolicyText, source: "default") == Policy.default)
    }

    @Test func defaultTextIsTheDocumentedYAML() {
        let lines = PolicyLoader.defaultPolicyText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "apiVersion: tidegate.dev/v1alpha1")
        #expect(lines.contains("  requireDigest: off"))
        #expect(lines.contains("exemptions: {namespaces: [kube-system], usernames: [], groups: []}"))
        #expect(lines.count == 20)  // 19 lines and the final newline
    }

    @Test func writerOutputOfTheDefaultReadsBackAsTheDefault() throws {
        let text = PolicyWriter.yaml(.default)
        #expect(try PolicyLoader.parse(text: text, source: "written") == Policy.default)
    }

    @Test func loadReadsARealFile() throws {
        let dir = try TempDirectory()
        let path = try dir.write("policy.yaml", header + "mode: audit\n")
        #expect(try PolicyLoader.load(path: path).mode == .audit)
    }

    @Test func loadOfAMissingFileIsATypedError() {
        #expect(throws: PolicyErrors([PolicyError(
            file: "/nonexistent/policy.yaml", line: 0, column: 0, path: "", message: "cannot read the policy file")])
        ) { try PolicyLoader.load(path: "/nonexistent/policy.yaml") }
        #expect(PolicyError(file: "p.yaml", line: 0, column: 0, path: "", message: "m").description == "p.yaml: m")
    }
}

@Suite struct PolicyKeyTests {
    struct ActionCase: CustomTestStringConvertible, Sendable {
        let section: String
        let key: String
        let read: @Sendable (Policy) -> RuleAction
        var testDescription: String { "\(section).\(key) is read" }
    }

    static let actionCases: [ActionCase] = [
        .init(section: "images", key: "untrustedRegistry") { $0.images.untrustedRegistry },
        .init(section: "images", key: "implicitRegistry") { $0.images.implicitRegistry },
        .init(section: "images", key: "mutableTag") { $0.images.mutableTag },
        .init(section: "images", key: "requireDigest") { $0.images.requireDigest },
        .init(section: "images", key: "tagWithDigest") { $0.images.tagWithDigest },
        .init(section: "securityContext", key: "runAsNonRoot") { $0.securityContext.runAsNonRoot },
        .init(section: "securityContext", key: "capabilities") { $0.securityContext.capabilities },
        .init(section: "securityContext", key: "requireDropAll") { $0.securityContext.requireDropAll },
        .init(section: "securityContext", key: "privileged") { $0.securityContext.privileged },
        .init(section: "securityContext", key: "allowPrivilegeEscalation") { $0.securityContext.allowPrivilegeEscalation },
        .init(section: "securityContext", key: "readOnlyRootFilesystem") { $0.securityContext.readOnlyRootFilesystem },
        .init(section: "securityContext", key: "misplacedFields") { $0.securityContext.misplacedFields },
        .init(section: "securityContext", key: "runAsUserUnset") { $0.securityContext.runAsUserUnset },
    ]

    /// Every action is set to each of the three values, so a key wired to the wrong field or
    /// ignored cannot pass by coinciding with its default.
    @Test(arguments: actionCases)
    func everyActionKeyTakesEveryAction(_ c: ActionCase) throws {
        for action in RuleAction.allCases {
            let policy = try parse("\(c.section):\n  \(c.key): \(action.rawValue)\n")
            #expect(c.read(policy) == action)
        }
    }

    @Test(arguments: Policy.Mode.allCases)
    func modeIsRead(_ mode: Policy.Mode) throws {
        #expect(try parse("mode: \(mode.rawValue)\n").mode == mode)
    }

    @Test func listsAreRead() throws {
        let policy = try parse("""
            images:
              trustedRegistries: [quay.io/team, "localhost:5000"]
            securityContext:
              allowedCapabilities: [NET_RAW, CHOWN]
            exemptions:
              namespaces: [ops]
              usernames: ["system:serviceaccount:ci:deployer"]
              groups: [system:masters]
            mutation:
              autoApply: [images.mutableTag]

            """)
        #expect(policy.images.trustedRegistries.map(\.description) == ["quay.io/team", "localhost:5000"])
        #expect(policy.securityContext.allowedCapabilities == ["NET_RAW", "CHOWN"])
        #expect(policy.exemptions.namespaces == ["ops"])
        #expect(policy.exemptions.usernames == ["system:serviceaccount:ci:deployer"])
        #expect(policy.exemptions.groups == ["system:masters"])
        #expect(policy.mutation.autoApply == ["images.mutableTag"])
    }

    @Test func emptyOrNullListsAreEmpty() throws {
        let policy = try parse("exemptions:\n  namespaces: []\n  usernames:\n  groups: ~\n")
        #expect(policy.exemptions == Exemptions.emptyForTest)
    }

    @Test func aPartialFileKeepsEveryOtherDefault() throws {
        let policy = try parse("images:\n  mutableTag: deny\n")
        var expected = Policy.default
        expected.images.mutableTag = .deny
        #expect(policy == expected)
    }

    @Test func emptySectionsKeepTheirDefaults() throws {
        #expect(try parse("images:\nsecurityContext: ~\nexemptions: {}\nmutation:\n") == Policy.default)
    }

    @Test func headerOnlyIsTheDefault() throws {
        #expect(try parse("") == Policy.default)
    }

    @Test func jsonPolicyIsRead() throws {
        let text = #"{"apiVersion": "tidegate.dev/v1alpha1", "kind": "Policy", "securityContext": {"privileged": "warn"}}"#
        #expect(try PolicyLoader.parse(text: text, source: "p.json").securityContext.privileged == .warn)
    }

    @Test func everyKeyRoundTripsThroughTheWriter() throws {
        var policy = Policy.default
        policy.mode = .warn
        policy.images.trustedRegistries = [try RegistryPattern("*.corp.example.com"), try RegistryPattern("quay.io/on")]
        policy.images.untrustedRegistry = .warn
        policy.images.implicitRegistry = .off
        policy.images.mutableTag = .deny
        policy.images.requireDigest = .deny
        policy.images.tagWithDigest = .off
        policy.securityContext.runAsNonRoot = .off
        policy.securityContext.capabilities = .warn
        policy.securityContext.allowedCapabilities = []
        policy.securityContext.requireDropAll = .deny
        policy.securityContext.privileged = .warn
        policy.securityContext.allowPrivilegeEscalation = .off
        policy.securityContext.readOnlyRootFilesystem = .deny
        policy.securityContext.misplacedFields = .off
        policy.securityContext.runAsUserUnset = .deny
        // Values another YAML tool would misread unless the writer quotes them.
        policy.exemptions.namespaces = ["on", "no", "123", "null", "a, b", "x: y", "#c", "\"q\"\\"]
        policy.exemptions.usernames = ["system:serviceaccount:ns:name"]
        policy.exemptions.groups = ["ünïcode", ""]
        policy.mutation.autoApply = []
        let text = PolicyWriter.yaml(policy)
        #expect(try PolicyLoader.parse(text: text, source: "written") == policy)
    }
}

@Suite struct YAMLOffTests {
    @Test(arguments: ["off", "'off'", "\"off\"", "Off".lowercased()])
    func offInAnySpellingIsTheActionOff(_ spelling: String) throws {
        #expect(try parse("securityContext:\n  privileged: \(spelling)\n").securityContext.privileged == .off)
    }

    struct BooleanCase: CustomTestStringConvertible, Sendable {
        let value: String
        var testDescription: String { "\(value) as an action is rejected as a boolean" }
    }

    @Test(arguments: ["true", "false", "yes", "no", "on", "True"].map(BooleanCase.init))
    func booleansAreNotActions(_ c: BooleanCase) {
        #expect(errors(header + "securityContext:\n  privileged: \(c.value)\n") == [
            "policy.yaml:4:15: securityContext.privileged: \"\(c.value)\" is a boolean, not an action (expected deny, warn or off)"
        ])
    }
}

@Suite struct PolicyErrorTests {
    struct ErrorCase: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [ErrorCase] = [
        .init(
            name: "unknown action names file, line, column and field",
            text: header + "images:\n  mutableTag: block\n",
            expected: ["policy.yaml:4:15: images.mutableTag: unknown action \"block\" (expected deny, warn or off)"]),
        .init(
            name: "misspelt key gets a did-you-mean",
            text: header + "images:\n  mutabelTag: deny\n",
            expected: ["policy.yaml:4:3: images.mutabelTag: unknown key \"mutabelTag\"; did you mean \"mutableTag\"?"]),
        .init(
            name: "misspelt top-level key gets a did-you-mean",
            text: header + "securitycontext: {}\n",
            expected: ["policy.yaml:3:1: securitycontext: unknown key \"securitycontext\"; did you mean \"securityContext\"?"]),
        .init(
            name: "unrelated key lists the known keys",
            text: header + "exemptions:\n  zzz: []\n",
            expected: ["policy.yaml:4:3: exemptions.zzz: unknown key \"zzz\" (expected one of: namespaces, usernames, groups)"]),
        .init(
            name: "wrong apiVersion",
            text: "apiVersion: tidegate.dev/v2\nkind: Policy\n",
            expected: ["policy.yaml:1:13: apiVersion: unsupported apiVersion \"tidegate.dev/v2\" (expected tidegate.dev/v1alpha1)"]),
        .init(
            name: "wrong kind",
            text: "apiVersion: tidegate.dev/v1alpha1\nkind: Pod\n",
            expected: ["policy.yaml:2:7: kind: unsupported kind \"Pod\" (expected Policy)"]),
        .init(
            name: "missing apiVersion and kind",
            text: "mode: warn\n",
            expected: [
                "policy.yaml:1:1: missing apiVersion (expected tidegate.dev/v1alpha1)",
                "policy.yaml:1:1: missing kind (expected Policy)",
            ]),
        .init(
            name: "unknown mode",
            text: header + "mode: strict\n",
            expected: ["policy.yaml:3:7: mode: unknown mode \"strict\" (expected enforce, warn or audit)"]),
        .init(
            name: "section of the wrong type",
            text: header + "images: [gcr.io]\n",
            expected: ["policy.yaml:3:9: images: expected a mapping for images, found a list"]),
        .init(
            name: "list of the wrong type",
            text: header + "exemptions:\n  namespaces: kube-system\n",
            expected: ["policy.yaml:4:15: exemptions.namespaces: expected a list, found \"kube-system\""]),
        .init(
            name: "list item of the wrong type",
            text: header + "securityContext:\n  allowedCapabilities: [CHOWN, [NET_RAW]]\n",
            expected: ["policy.yaml:4:32: securityContext.allowedCapabilities[1]: expected a string, found a list"]),
        .init(
            name: "action of the wrong type",
            text: header + "images:\n  requireDigest: {deny: true}\n",
            expected: ["policy.yaml:4:18: images.requireDigest: expected a single value, found a mapping"]),
        .init(
            name: "unknown rule id in autoApply",
            text: header + "mutation:\n  autoApply: [images.implicitRegistry, images.mutabletag]\n",
            expected: ["policy.yaml:4:40: mutation.autoApply[1]: unknown rule id \"images.mutabletag\"; did you mean \"images.mutableTag\"?"]),
        .init(
            name: "top level that is not a mapping",
            text: "- a\n- b\n",
            expected: ["policy.yaml:1:1: expected a mapping for the policy file, found a list"]),
        .init(
            name: "empty file",
            text: "",
            expected: ["policy.yaml:1:1: the policy file is empty (it needs at least apiVersion and kind)"]),
        .init(
            name: "two documents",
            text: header + "---\n" + header,
            expected: ["policy.yaml:4:1: a policy file holds one document; found another"]),
        .init(
            name: "duplicate key",
            text: header + "mode: warn\nmode: audit\n",
            expected: ["policy.yaml:3:1: duplicate key \"mode\""]),
        .init(
            name: "malformed YAML",
            text: header + "images:\n  mutableTag: [deny\n",
            expected: ["policy.yaml:5:1: did not find expected ',' or ']' (while parsing a flow sequence at 4:15)"]),
    ]

    @Test(arguments: cases)
    func errorIsPositioned(_ c: ErrorCase) {
        #expect(errors(c.text) == c.expected)
    }

    /// The reason after the prefix comes from the registry-pattern parser; the position and
    /// field path come from the loader. A bad entry leaves the default list in place.
    @Test(arguments: ["not a registry", "https://gcr.io", ""])
    func invalidTrustedRegistryEntryIsPositioned(_ entry: String) {
        let found = errors(header + "images:\n  trustedRegistries: [gcr.io, \"\(entry)\"]\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("policy.yaml:4:31: images.trustedRegistries[1]: invalid trusted registry: ") == true)
    }

    @Test func everyErrorInAFileIsReportedInSourceOrder() {
        let text = header + """
            mode: strict
            images:
              mutableTag: block
              trustedRegistries: ["bad registry"]
            securityContext:
              privileged: true
              unknownKey: deny

            """
        let found = errors(text)
        #expect(found.count == 5)
        #expect(found.map { $0.split(separator: ":")[1] } == ["3", "5", "6", "8", "9"])
    }

    @Test func invalidUTF8IsPositioned() throws {
        var bytes = Array((header + "mode: en").utf8)
        bytes += [0xFF, 0x0A]
        do {
            _ = try PolicyLoader.parse(bytes: bytes, source: "policy.yaml")
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.errors.map(\.description) == ["policy.yaml:3:9: invalid UTF-8 at byte offset 55"])
        }
    }

    @Test func errorCarriesStructuredFields() {
        do {
            _ = try PolicyLoader.parse(text: header + "images:\n  mutableTag: block\n", source: "p.yaml")
        } catch {
            let e = error.errors[0]
            #expect((e.file, e.line, e.column, e.path) == ("p.yaml", 4, 15, "images.mutableTag"))
        }
    }
}

extension Exemptions {
    static var emptyForTest: Exemptions {
        var e = Exemptions()
        e.namespaces = []
        e.usernames = []
        e.groups = []
        return e
    }
}

@Suite struct PodSecurityKeyTests {
    @Test(arguments: [
        ("podSecurity: {level: restricted}", PodSecuritySettings(level: .restricted)),
        ("podSecurity: {level: baseline, version: v1.29}", PodSecuritySettings(level: .baseline, version: KubeVersion(minor: 29))),
        ("podSecurity: {level: privileged, version: latest}", PodSecuritySettings(level: .privileged)),
    ])
    func theLevelAndVersionAreRead(_ body: String, _ expected: PodSecuritySettings) throws {
        #expect(try parse(body + "\n").podSecurity == expected)
    }

    @Test func absentMeansOff() throws {
        #expect(try parse("mode: enforce\n").podSecurity == nil)
    }

    @Test(arguments: [
        ("podSecurity: {level: strict}", "unknown level \"strict\""),
        ("podSecurity: {level: baseline, version: 1.x}", "invalid version \"1.x\""),
        ("podSecurity: {version: v1.30}", "needs a level"),
        ("podSecurity: {level: baseline, levle: restricted}", "unknown key \"levle\""),
    ])
    func mistakesAreErrorsNamingTheField(_ body: String, _ message: String) {
        #expect {
            _ = try parse(body + "\n")
        } throws: { error in
            "\(error)".contains("podSecurity") && "\(error)".contains(message)
        }
    }

    @Test func aWrittenPolicyWithALevelReadsBackTheSame() throws {
        var policy = Policy.default
        policy.podSecurity = PodSecuritySettings(level: .restricted, version: KubeVersion(minor: 31))
        #expect(try PolicyLoader.parse(text: PolicyWriter.yaml(policy), source: "written") == policy)
    }
}
