import Testing
import TidegateJSON
import TidegatePolicy
@testable import TidegateConfig

@Suite struct GatekeeperImportTests {
    func constraint(_ kind: String, _ parameters: String = "null", match: String = "null") throws -> JSONValue {
        try JSONReader().parse(#"{"apiVersion":"constraints.gatekeeper.sh/v1beta1","kind":"\#(kind)","metadata":{"name":"c"},"spec":{"match":\#(match),"parameters":\#(parameters)}}"#)
    }

    @Test func theBasePolicyReportsNothingOnAHostilePod() throws {
        let pod = try JSONReader().parse(#"{"kind":"Pod","spec":{"hostPID":true,"hostNetwork":true,"containers":[{"name":"a","image":"evil.example/x","securityContext":{"privileged":true,"capabilities":{"add":["SYS_ADMIN"]}}}]}}"#)
        #expect(PolicyEngine.evaluate(pod, policy: GatekeeperImporter.allOff).findings.isEmpty)
    }

    @Test(arguments: [
        ("openpolicyagent/", "docker.io/openpolicyagent"),
        ("gcr.io/team/", "gcr.io/team"),
        ("myregistry.azurecr.io/*", "myregistry.azurecr.io"),
        ("ubuntu:20.14", "docker.io/library/ubuntu"),
        ("localhost:5000/", "localhost:5000"),
    ])
    func repositoryEntriesBecomeNormalisedPatterns(_ entry: String, _ pattern: String) throws {
        let result = GatekeeperImporter.translate([try constraint("K8sAllowedReposv2", #"{"allowedImages":["\#(entry)"]}"#)])
        #expect(result.policy.images.trustedRegistries.map(\.description) == [try RegistryPattern(pattern).description])
        #expect(result.policy.images.untrustedRegistry == .deny)
    }

    @Test func aDroppedTagIsReportedAsBroaderNamingTheParameter() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sAllowedReposv2", #"{"allowedImages":["ubuntu:20.14"]}"#)])
        #expect(result.notes.map(\.kind) == [.broader])
        #expect(result.notes.first?.description.contains("K8sAllowedReposv2/c") == true)
        #expect(result.notes.first?.parameter == #"spec.parameters.allowedImages[0] "ubuntu:20.14""#)
    }

    @Test func aRawPrefixWithoutASlashIsReportedAsSegmentMatched() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sAllowedRepos", #"{"repos":["gcr.io/team"]}"#)])
        #expect(result.notes.map(\.kind) == [.different])
    }

    @Test func anUnsupportedKindIsListedAndNothingIsImported() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sRequiredLabels", #"{"labels":[{"key":"owner"}]}"#)])
        #expect(result.isEmpty)
        #expect(result.unsupported == ["K8sRequiredLabels/c"])
        #expect(result.policy == GatekeeperImporter.allOff)
    }

    @Test func unknownParametersAndUnsupportedTagsAreReported() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sDisallowedTags", #"{"tags":["latest","dev"],"colour":"red"}"#)])
        #expect(result.policy.images.mutableTag == .deny)
        #expect(result.notes.compactMap(\.parameter).sorted() == [#"spec.parameters.colour"#, #"spec.parameters.tags[1] "dev""#])
    }

    @Test func pspRulesAreSkippedOnUpdateAndExcludedNamespacesExempt() throws {
        let result = GatekeeperImporter.translate([
            try constraint("K8sPSPPrivilegedContainer", #"{"exemptImages":["safe/*"]}"#, match: #"{"excludedNamespaces":["ops"]}"#),
            try constraint("K8sPSPHostNetworkingPorts", #"{"hostNetwork":false,"min":80,"max":9000}"#),
        ])
        #expect(result.policy.securityContext.skipOnUpdate == ["privileged", "hostNetwork", "hostPorts"])
        #expect(result.policy.securityContext.allowedHostPorts == ["80-9000"])
        #expect(result.policy.exemptions.namespaces == ["ops"])
        #expect(result.policy.images.exemptImages == ["safe/*"])
        // The exemption now covers the other constraint's rules too, and says so.
        #expect(result.notes.contains { $0.parameter == "exemptImages" && $0.kind == .broader })
    }

    /// Whether an exclusion reaches other constraints' rules does not depend on the order
    /// the constraints are read in.
    @Test(arguments: [false, true])
    func excludedNamespacesAreReportedWhateverTheOrder(excludingFirst: Bool) throws {
        let excluding = try constraint("K8sPSPPrivilegedContainer", match: #"{"excludedNamespaces":["ops"]}"#)
        let other = try constraint("K8sPSPHostNamespace")
        let result = GatekeeperImporter.translate(excludingFirst ? [excluding, other] : [other, excluding])
        #expect(result.notes.filter { $0.parameter == "spec.match.excludedNamespaces" }.map(\.kind) == [.broader])
    }

    @Test func aSingleConstraintsExclusionIsNotBroader() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sPSPPrivilegedContainer", match: #"{"excludedNamespaces":["ops"]}"#)])
        #expect(result.notes.isEmpty)
        #expect(result.policy.exemptions.namespaces == ["ops"])
    }

    @Test(arguments: [
        (#"{"allowedSELinuxOptions":"spc_t"}"#, "spec.parameters.allowedSELinuxOptions"),
        (#"{"allowedSELinuxOptions":["spc_t"]}"#, "spec.parameters.allowedSELinuxOptions[0]"),
        (#"{"allowedSELinuxOptions":[{"type":7}]}"#, "spec.parameters.allowedSELinuxOptions[0].type"),
    ])
    func malformedSELinuxOptionsAreReportedNotDropped(_ parameters: String, _ parameter: String) throws {
        let result = GatekeeperImporter.translate([try constraint("K8sPSPSELinuxV2", parameters)])
        #expect(result.notes.map(\.parameter) == [parameter])
        #expect(result.notes.map(\.kind) == [.unsupported])
        #expect(result.policy.securityContext.allowedSELinuxOptions.isEmpty)
    }

    @Test func theImportedPolicyReadsBackUnchanged() throws {
        let result = GatekeeperImporter.translate([
            try constraint("K8sAllowedRepos", #"{"repos":["openpolicyagent/"]}"#),
            try constraint("K8sPSPForbiddenSysctls", #"{"forbiddenSysctls":["kernel.*"],"allowedSysctls":[]}"#),
            try constraint("K8sPSPHostFilesystem", #"{"allowedHostPaths":[{"pathPrefix":"/foo","readOnly":true}]}"#),
            try constraint("K8sPSPVolumeTypes", #"{"volumes":["configMap"]}"#),
        ])
        let text = PolicyWriter.yaml(result.policy)
        #expect(try PolicyLoader.parse(text: text, source: "imported.yaml") == result.policy)
    }

    @Test func policyFilesRejectUnknownSkipOnUpdateRulesAndBadPortRanges() {
        let text = "apiVersion: tidegate.dev/v1alpha1\nkind: Policy\nsecurityContext:\n  skipOnUpdate: [privilegd]\n  allowedHostPorts: [\"9000-80\"]\n"
        #expect {
            try PolicyLoader.parse(text: text, source: "p.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.contains("securityContext.skipOnUpdate[0]") && message.contains("did you mean \"privileged\"")
                && message.contains("securityContext.allowedHostPorts[0]")
        }
    }

    /// Gatekeeper compares raw prefixes, so `repos: [openpolicyagent]` also admits
    /// `openpolicyagent-evil/x`; the imported policy matches whole segments and denies it.
    @Test func theRawPrefixBypassIsClosed() throws {
        let result = GatekeeperImporter.translate([try constraint("K8sAllowedRepos", #"{"repos":["openpolicyagent"]}"#)])
        func denied(_ image: String) throws -> Bool {
            let pod = try JSONReader().parse(#"{"kind":"Pod","spec":{"containers":[{"name":"a","image":"\#(image)"}]}}"#)
            return PolicyEngine.evaluate(pod, policy: result.policy).denied
        }
        #expect(try !denied("openpolicyagent/opa:0.9.2"))
        #expect(try denied("openpolicyagent-evil/opa:0.9.2"))
        #expect(try denied("openpolicyagentevil/opa"))
    }
}
