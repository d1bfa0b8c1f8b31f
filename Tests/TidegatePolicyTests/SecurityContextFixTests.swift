import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Fixes of the least-privilege rules alone (image rules are left to their own tests).
func fixSecurityContext(_ object: JSONValue, policy: Policy = .default, scope: ContainerScope = .all) -> FixResult {
    PolicyEngine.fix(object, policy: policy, scope: scope) { $0.rule.hasPrefix("securityContext.") }
}

/// A pod and the exact patch its least-privilege fixes must produce.
struct FixCase: CustomTestStringConvertible, Sendable {
    let name: String
    let spec: String
    let patch: [String]

    var testDescription: String { name }
}

private func ops(_ patch: JSONPatch) -> [String] {
    patch.operations.map { JSONWriter().string($0.json) }
}

/// Manifests the fix-to-fixpoint and idempotence tests run over.
struct SCManifest: CustomTestStringConvertible, Sendable {
    let name: String
    let object: @Sendable () throws -> JSONValue

    var testDescription: String { name }
}

let securityContextFixCorpus: [SCManifest] = {
    var corpus = [
        SCManifest(name: "pod with nothing set") { try SCFixtures.pod(#"{"containers":[{"name":"a"},{"name":"b"}]}"#) },
        SCManifest(name: "pod whose container securityContext is null") {
            try SCFixtures.pod(#"{"containers":[{"name":"a","securityContext":null}]}"#)
        },
        SCManifest(name: "pod runAsUser 0 inherited by three kinds of container") {
            try SCFixtures.pod(#"{"securityContext":{"runAsUser":0},"containers":[{"name":"a"}],"initContainers":[{"name":"i"}],"ephemeralContainers":[{"name":"e"}]}"#)
        },
        SCManifest(name: "container runAsUser 0 against pod runAsNonRoot true") {
            try SCFixtures.pod(#"{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a","securityContext":{"runAsUser":0}}]}"#)
        },
        SCManifest(name: "privileged container with SYS_ADMIN and escalation") {
            try SCFixtures.pod(#"{"containers":[{"name":"a","securityContext":{"privileged":true,"allowPrivilegeEscalation":true,"capabilities":{"add":["SYS_ADMIN","NET_BIND_SERVICE","cap_chown"],"drop":null}}}]}"#)
        },
        SCManifest(name: "every container-only field at pod level") {
            try SCFixtures.pod(#"{"securityContext":{"procMount":"Default","privileged":true,"capabilities":{"add":["NET_RAW"],"drop":["ALL"]},"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true},"containers":[{"name":"a","securityContext":{"privileged":true}},{"name":"b","securityContext":{"readOnlyRootFilesystem":false,"capabilities":{"drop":["NET_RAW"]}}}],"initContainers":[{"name":"i"}]}"#)
        },
        SCManifest(name: "aliases of the allowed capability") {
            try SCFixtures.pod(#"{"containers":[{"name":"a","securityContext":{"capabilities":{"add":["cap_net_bind_service","SYS_ADMIN","CAP_NET_BIND_SERVICE"]}}}]}"#)
        },
        SCManifest(name: "windows pod with misplaced fields") {
            try SCFixtures.pod(#"{"os":{"name":"windows"},"securityContext":{"readOnlyRootFilesystem":true},"containers":[{"name":"a"}]}"#)
        },
    ]
    for kind in WorkloadKind.allCases {
        corpus.append(SCManifest(name: "\(kind.rawValue) with init and ephemeral containers") {
            try SCFixtures.workload(kind, spec: #"{"securityContext":{"readOnlyRootFilesystem":true},"containers":[{"name":"a","securityContext":{"runAsUser":0}}],"initContainers":[{"name":"i","securityContext":{"capabilities":{"add":["NET_ADMIN"]}}}],"ephemeralContainers":[{"name":"e"}]}"#)
        })
    }
    return corpus
}()

/// Combinations the API server rejects or the kubelet refuses to start, which no fix may create.
func apiRejections(_ object: JSONValue) throws -> [String] {
    let pod = try #require(PodUnderReview(object: object))
    var problems: [String] = []
    for e in pod.effectiveSecurityContexts() {
        if e.allowPrivilegeEscalation.value == false, e.privileged.value == true {
            problems.append("\(e.container.name): allowPrivilegeEscalation false with privileged")
        }
        if e.allowPrivilegeEscalation.value == false, e.capabilitiesAdd.value?.contains("CAP_SYS_ADMIN") == true {
            problems.append("\(e.container.name): allowPrivilegeEscalation false with CAP_SYS_ADMIN")
        }
        if e.runAsUser.value == 0, e.runAsNonRoot.value == true {
            problems.append("\(e.container.name): runAsUser 0 with runAsNonRoot true never starts")
        }
        if pod.isWindows, let field = e.rows.first(where: { $0.source == .container && $0.note == "does not apply: Windows pod" }) {
            problems.append("\(e.container.name): \(field.field) is forbidden on Windows")
        }
    }
    return problems
}

@Suite struct SecurityContextFixTests {
    static let exactCases: [FixCase] = [
        FixCase(name: "disallowed capabilities are removed highest index first",
                spec: #"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE","NET_ADMIN","CHOWN","SYS_PTRACE"]}}}]}"#,
                patch: [
                    #"{"op":"remove","path":"/spec/containers/0/securityContext/capabilities/add/3"}"#,
                    #"{"op":"remove","path":"/spec/containers/0/securityContext/capabilities/add/2"}"#,
                    #"{"op":"remove","path":"/spec/containers/0/securityContext/capabilities/add/1"}"#,
                ]),
        FixCase(name: "an alias is rewritten to the allowed spelling before removals",
                spec: #"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"],"add":["SYS_ADMIN","cap_net_bind_service"]}}}]}"#,
                patch: [
                    #"{"op":"replace","path":"/spec/containers/0/securityContext/capabilities/add/1","value":"NET_BIND_SERVICE"}"#,
                    #"{"op":"remove","path":"/spec/containers/0/securityContext/capabilities/add/0"}"#,
                ]),
        FixCase(name: "container runAsUser 0 is removed, not contradicted",
                spec: #"{"securityContext":{"runAsNonRoot":true,"runAsUser":1000},"containers":[{"name":"a","securityContext":{"runAsUser":0,"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}"#,
                patch: [#"{"op":"remove","path":"/spec/containers/0/securityContext/runAsUser"}"#]),
        FixCase(name: "pod runAsUser 0 is removed once and every container gets runAsNonRoot",
                spec: #"{"securityContext":{"runAsUser":0},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}},{"name":"b","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}"#,
                patch: [
                    #"{"op":"remove","path":"/spec/securityContext/runAsUser"}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/runAsNonRoot","value":true}"#,
                    #"{"op":"add","path":"/spec/containers/1/securityContext/runAsNonRoot","value":true}"#,
                ]),
        FixCase(name: "a null securityContext is replaced by one carrying every fix",
                spec: #"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":null}]}"#,
                patch: [
                    #"{"op":"replace","path":"/spec/containers/0/securityContext","value":{"capabilities":{"drop":["ALL"]}}}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/allowPrivilegeEscalation","value":false}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/readOnlyRootFilesystem","value":true}"#,
                ]),
        FixCase(name: "misplaced loosening values are only removed",
                spec: #"{"securityContext":{"runAsUser":1000,"privileged":true,"capabilities":{"add":["SYS_ADMIN"]}},"containers":[\#(SCFixtures.hardenedContainer)]}"#,
                patch: [
                    #"{"op":"remove","path":"/spec/securityContext/capabilities"}"#,
                    #"{"op":"remove","path":"/spec/securityContext/privileged"}"#,
                ]),
        FixCase(name: "misplaced tightening values move to containers that lack them",
                spec: #"{"securityContext":{"runAsUser":1000,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}},{"name":"b","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}],"initContainers":[{"name":"i","securityContext":{"allowPrivilegeEscalation":false}}]}"#,
                patch: [
                    #"{"op":"remove","path":"/spec/securityContext/capabilities"}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/capabilities","value":{"drop":["ALL"]}}"#,
                    #"{"op":"add","path":"/spec/initContainers/0/securityContext/capabilities","value":{"drop":["ALL"]}}"#,
                    #"{"op":"remove","path":"/spec/securityContext/readOnlyRootFilesystem"}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/readOnlyRootFilesystem","value":true}"#,
                    #"{"op":"add","path":"/spec/initContainers/0/securityContext/readOnlyRootFilesystem","value":true}"#,
                ]),
        FixCase(name: "misplaced allowPrivilegeEscalation false skips a privileged container",
                spec: #"{"securityContext":{"runAsUser":1000,"allowPrivilegeEscalation":false},"containers":[{"name":"a","securityContext":{"privileged":true,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}"#,
                patch: [
                    #"{"op":"remove","path":"/spec/securityContext/allowPrivilegeEscalation"}"#,
                    #"{"op":"replace","path":"/spec/containers/0/securityContext/privileged","value":false}"#,
                    #"{"op":"add","path":"/spec/containers/0/securityContext/allowPrivilegeEscalation","value":false}"#,
                ]),
        FixCase(name: "windows misplaced fields are removed, not copied",
                spec: #"{"os":{"name":"windows"},"securityContext":{"runAsNonRoot":true,"readOnlyRootFilesystem":true},"containers":[{"name":"a"}]}"#,
                patch: [#"{"op":"remove","path":"/spec/securityContext/readOnlyRootFilesystem"}"#]),
    ]

    @Test(arguments: exactCases)
    func exactPatch(_ c: FixCase) throws {
        let object = try SCFixtures.pod(c.spec)
        let result = fixSecurityContext(object)
        #expect(ops(result.patch) == c.patch)
        #expect(try result.patch.applied(to: object) == result.fixed)
    }

    @Test(arguments: securityContextFixCorpus)
    func fixingReachesAFixpointAndIsIdempotent(_ manifest: SCManifest) throws {
        let object = try manifest.object()
        let result = PolicyEngine.fix(object, policy: .default)
        #expect(!result.patch.operations.isEmpty)
        #expect(try result.patch.applied(to: object) == result.fixed)
        // Fixes touch securityContexts only: every container survives where it was.
        let containersBefore = try #require(PodUnderReview(object: object)).containers.map(\.ref)
        #expect(try #require(PodUnderReview(object: result.fixed)).containers.map(\.ref) == containersBefore)

        let rejections = try apiRejections(result.fixed)
        #expect(rejections.isEmpty, "the fixed object breaks API rules: \(rejections)")

        let after = PolicyEngine.evaluate(result.fixed, policy: .default)
        let fixable = after.findings.filter { !($0.fix?.operations.isEmpty ?? true) }
        #expect(fixable.isEmpty, "still fixable: \(fixable.map(ExpectedRuleFinding.init))")
        #expect(!after.findings.contains { $0.rule.hasPrefix("securityContext.") && $0.action == .deny })
        #expect(after.findings.map(ExpectedRuleFinding.init) == result.remaining.map(ExpectedRuleFinding.init))

        let again = PolicyEngine.fix(result.fixed, policy: .default)
        #expect(again.patch.operations.isEmpty)
        #expect(again.fixed == result.fixed)
    }

    /// The mutating endpoint applies only some rules' fixes; no subset may make the object
    /// invalid where the author's was not.
    @Test(arguments: securityContextFixCorpus)
    func partialFixesNeverBreakTheObject(_ manifest: SCManifest) throws {
        let object = try manifest.object()
        let autoApply = Policy.default.mutation.autoApply
        var selections: [(String, @Sendable (Finding) -> Bool)] = [("autoApply", { autoApply.contains($0.rule) })]
        for check in Checks.securityContextChecks {
            let rule = check.id
            selections.append((rule, { $0.rule == rule }))
        }
        let before = Set(try apiRejections(object))
        for (name, select) in selections {
            let result = PolicyEngine.fix(object, policy: .default, selecting: select)
            #expect(try result.patch.applied(to: object) == result.fixed, "\(name)")
            let introduced = Set(try apiRejections(result.fixed)).subtracting(before)
            #expect(introduced.isEmpty, "fixing only \(name) introduced: \(introduced)")
        }
    }

    @Test(arguments: WorkloadKind.allCases)
    func findingsAndFixesAddressThePodSpecOfEveryKind(_ kind: WorkloadKind) throws {
        let object = try SCFixtures.workload(kind, spec: #"{"securityContext":{"readOnlyRootFilesystem":true},"containers":[{"name":"a"}],"initContainers":[{"name":"i"}]}"#)
        let findings = PolicyEngine.evaluate(object, policy: .default, checks: securityContextChecks()).findings
        let spec = kind.podSpecPath.description
        #expect(findings.map(ExpectedRuleFinding.init) == [
            ExpectedRuleFinding(RuleID.misplacedFields, .warn, "\(spec)/securityContext/readOnlyRootFilesystem"),
            ExpectedRuleFinding(RuleID.runAsNonRoot, .deny, "\(spec)/containers/0/securityContext/runAsNonRoot"),
            ExpectedRuleFinding(RuleID.runAsNonRoot, .deny, "\(spec)/initContainers/0/securityContext/runAsNonRoot"),
            ExpectedRuleFinding(RuleID.requireDropAll, .warn, "\(spec)/containers/0/securityContext/capabilities/drop"),
            ExpectedRuleFinding(RuleID.requireDropAll, .warn, "\(spec)/initContainers/0/securityContext/capabilities/drop"),
            ExpectedRuleFinding(RuleID.allowPrivilegeEscalation, .warn, "\(spec)/containers/0/securityContext/allowPrivilegeEscalation"),
            ExpectedRuleFinding(RuleID.allowPrivilegeEscalation, .warn, "\(spec)/initContainers/0/securityContext/allowPrivilegeEscalation"),
        ])
        for finding in findings {
            for op in finding.fix?.operations ?? [] { #expect(op.path.hasPrefix(kind.podSpecPath)) }
        }
    }

    @Test func messagesSayWhatOverridesWhat() throws {
        let object = try SCFixtures.pod(#"{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"web","securityContext":{"runAsUser":0}},{"name":"side","securityContext":{"runAsNonRoot":false}}]}"#)
        let messages = PolicyEngine.evaluate(object, policy: .default, checks: securityContextChecks(RuleID.runAsNonRoot))
            .findings.map(\.message)
        #expect(messages == [
            "container \"web\": never starts: runAsUser: 0 on the container contradicts runAsNonRoot: true on the pod (the kubelet refuses to run it as root)",
            "container \"side\": may run as root: runAsNonRoot: false on the container overrides the pod's runAsNonRoot: true",
        ])
    }

    @Test func aMisplacedFieldSaysKubernetesDropsIt() throws {
        let object = try SCFixtures.pod(#"{"securityContext":{"readOnlyRootFilesystem":true},"containers":[{"name":"web"}]}"#)
        let finding = try #require(PolicyEngine.evaluate(object, policy: .default, checks: securityContextChecks(RuleID.misplacedFields)).findings.first)
        #expect(finding.container == nil)
        #expect(finding.message == "pod-level securityContext.readOnlyRootFilesystem is ignored: the field exists only on containers, so Kubernetes drops it at pod level")
        #expect(finding.fix?.summary == "move readOnlyRootFilesystem from the pod-level securityContext to web")
    }
}
