import Testing
import TidegateJSON
import TidegatePolicy
@testable import TidegateAdmission

/// Builds an AdmissionReview request around `object`.
func review(
    _ object: JSONValue, version: String = "admission.k8s.io/v1", operation: String = "CREATE",
    kind: String = "Pod", resource: String = "pods", subResource: String? = nil,
    namespace: String = "team-a", name: String = "web", username: String = "jane",
    groups: [String] = ["system:authenticated"]
) -> [UInt8] {
    let base: JSONValue = [
        "uid": "0b5c-uid", "kind": ["group": "", "version": "v1", "kind": .string(kind)],
        "resource": ["group": "", "version": "v1", "resource": .string(resource)],
        "operation": .string(operation), "namespace": .string(namespace), "name": .string(name),
        "userInfo": ["username": .string(username), "groups": .array(groups.map(JSONValue.string))],
        "object": object, "oldObject": nil, "dryRun": false,
    ]
    var request = base.objectValue!
    if let subResource { request["subResource"] = .string(subResource) }
    return JSONWriter().bytes(["apiVersion": .string(version), "kind": "AdmissionReview", "request": .object(request)])
}

func pod(privileged: Bool, name: String = "web") -> JSONValue {
    ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "team-a"],
     "spec": ["containers": [["name": .string(name), "image": "gcr.io/team/web:1.0",
                              "securityContext": ["privileged": .bool(privileged)]]]]]
}

/// A policy where only `privileged` bites, so these tests exercise the engine, not the rules.
func privilegedOnly(_ mode: Policy.Mode = .enforce) -> Policy {
    var p = Policy()
    p.mode = mode
    p.images.untrustedRegistry = .off
    p.images.implicitRegistry = .off
    p.images.mutableTag = .off
    p.images.tagWithDigest = .off
    p.securityContext = SecurityContextRules()
    p.securityContext.runAsNonRoot = .off
    p.securityContext.capabilities = .off
    p.securityContext.requireDropAll = .off
    p.securityContext.allowPrivilegeEscalation = .off
    p.securityContext.readOnlyRootFilesystem = .off
    p.securityContext.misplacedFields = .off
    p.securityContext.runAsUserUnset = .off
    return p
}

func response(_ outcome: AdmissionOutcome) throws -> JSONValue {
    try JSONReader().parse(outcome.body)
}

@Suite("AdmissionReview engine")
struct AdmissionEngineTests {
    let engine = AdmissionEngine(policy: privilegedOnly())

    @Test(arguments: ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"])
    func responseEchoesVersionAndUID(_ version: String) throws {
        let out = try response(engine.handle(review(pod(privileged: false), version: version), endpoint: .validate))
        #expect(out["apiVersion"] == .string(version))
        #expect(out["kind"] == "AdmissionReview")
        #expect(out["response"]?["uid"] == "0b5c-uid")
        #expect(out["response"]?["allowed"] == true)
        #expect(out["response"]?["status"] == nil)
    }

    @Test(arguments: [
        ("named", "web", "Pod", "Pod team-a/web violates policy"),
        ("generateName: no name yet", "", "Pod", "Pod team-a/(name not yet generated) violates policy"),
        ("kind left out of a hand-written review", "web", "", "Pod team-a/web violates policy"),
    ])
    func denialNamesWhatItDenies(_ name: String, _ requestName: String, _ kind: String, _ heading: String) throws {
        let out = try response(engine.handle(review(pod(privileged: true), kind: kind, name: requestName), endpoint: .validate))
        let message = try #require(out["response"]?["status"]?["message"]?.stringValue)
        #expect(message.hasPrefix(heading), "\(name): \(message)")
    }

    @Test func denialCarries403AndAMessageWithTheFix() throws {
        let out = try response(engine.handle(review(pod(privileged: true)), endpoint: .validate))
        #expect(out["response"]?["allowed"] == false)
        #expect(out["response"]?["status"]?["code"] == 403)
        let message = try #require(out["response"]?["status"]?["message"]?.stringValue)
        #expect(message.contains("container \"web\": runs privileged"))
        #expect(message.contains("[securityContext.privileged]"))
        #expect(message.contains(#"fix: [{"op":"replace","path":"/spec/containers/0/securityContext/privileged","value":false}]"#))
        #expect(out["response"]?["patch"] == nil && out["response"]?["patchType"] == nil)
    }

    @Test(arguments: ["DELETE", "CONNECT"])
    func deleteAndConnectAreAllowedUnchecked(_ op: String) throws {
        let outcome = try engine.handle(review(pod(privileged: true), operation: op), endpoint: .validate)
        #expect(outcome.response.allowed)
        #expect(outcome.decision.skippedBecause != nil)
    }

    @Test func updateChecksTheNewObject() throws {
        let outcome = try engine.handle(review(pod(privileged: true), operation: "UPDATE"), endpoint: .validate)
        #expect(!outcome.response.allowed)
    }

    @Test(arguments: [
        ("status", true), ("binding", true), ("ephemeralcontainers", false),
    ])
    func onlyTheEphemeralContainersSubresourceIsChecked(_ sub: String, _ allowed: Bool) throws {
        var object = pod(privileged: false).objectValue!
        var spec = object["spec"]!.objectValue!
        spec["ephemeralContainers"] = [["name": "debug", "image": "gcr.io/x/y:1", "securityContext": ["privileged": true]]]
        object["spec"] = .object(spec)
        let outcome = try engine.handle(review(.object(object), operation: "UPDATE", subResource: sub), endpoint: .validate)
        #expect(outcome.response.allowed == allowed)
    }

    @Test func ephemeralSubresourceIgnoresTheRegularContainers() throws {
        let outcome = try engine.handle(review(pod(privileged: true), operation: "UPDATE", subResource: "ephemeralcontainers"), endpoint: .validate)
        #expect(outcome.response.allowed)
    }

    @Test(arguments: [
        ("exempt namespace", "kube-system", "jane", ["system:authenticated"]),
        ("exempt user", "team-a", "ci-bot", ["system:authenticated"]),
        ("exempt group", "team-a", "jane", ["platform-admins"]),
    ])
    func exemptionsAllowWithoutChecking(_ name: String, _ ns: String, _ user: String, _ groups: [String]) throws {
        var policy = privilegedOnly()
        policy.exemptions = Exemptions()
        policy.exemptions.namespaces = ["kube-system"]
        policy.exemptions.usernames = ["ci-bot"]
        policy.exemptions.groups = ["platform-admins"]
        let outcome = try AdmissionEngine(policy: policy).handle(
            review(pod(privileged: true), namespace: ns, username: user, groups: groups), endpoint: .validate)
        #expect(outcome.response.allowed, "\(name)")
        #expect(outcome.decision.skippedBecause?.contains("exempt") == true)
    }

    @Test func warnModeNeverDeniesAndWarnsInstead() throws {
        let outcome = try AdmissionEngine(policy: privilegedOnly(.warn)).handle(review(pod(privileged: true)), endpoint: .validate)
        #expect(outcome.response.allowed)
        #expect(outcome.response.warnings.count == 1)
        #expect(outcome.response.warnings[0].contains("runs privileged"))
    }

    @Test func auditModeAllowsAndRecordsAnnotations() throws {
        let outcome = try AdmissionEngine(policy: privilegedOnly(.audit)).handle(review(pod(privileged: true)), endpoint: .validate)
        #expect(outcome.response.allowed)
        #expect(outcome.response.warnings.isEmpty)
        let keys = outcome.response.auditAnnotations.map(\.key)
        #expect(keys.contains("violations"))
        #expect(keys.allSatisfy { !$0.contains("/") && $0.count <= 63 })
    }

    @Test func warnActionFindingsBecomeWarningsInEnforceMode() throws {
        var policy = privilegedOnly()
        policy.securityContext.privileged = .warn
        let outcome = try AdmissionEngine(policy: policy).handle(review(pod(privileged: true)), endpoint: .validate)
        #expect(outcome.response.allowed)
        #expect(outcome.response.warnings.count == 1)
    }

    @Test func kindsWithoutAPodSpecAreAllowedUntouched() throws {
        let cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["a": "b"]]
        let outcome = try engine.handle(review(cm, kind: "ConfigMap", resource: "configmaps"), endpoint: .validate)
        #expect(outcome.response.allowed)
    }

    @Test func mutateCarriesTheAutoApplicablePatchAsBase64() throws {
        var policy = privilegedOnly()
        policy.mutation.autoApply = [RuleID.privileged]
        let outcome = try AdmissionEngine(policy: policy).handle(review(pod(privileged: true)), endpoint: .mutate)
        let out = try response(outcome)
        #expect(out["response"]?["allowed"] == true)
        #expect(out["response"]?["patchType"] == "JSONPatch")
        let patch = try #require(out["response"]?["patch"]?.stringValue)
        #expect(patch == Base64.encode(Array(#"[{"op":"replace","path":"/spec/containers/0/securityContext/privileged","value":false}]"#.utf8)))
    }

    @Test func mutateWithNothingToApplySendsNoPatch() throws {
        let out = try response(engine.handle(review(pod(privileged: true)), endpoint: .mutate))
        #expect(out["response"]?["patch"] == nil && out["response"]?["patchType"] == nil)
    }

    @Test(arguments: [
        ("not JSON", "{", "not valid JSON"),
        ("not an object", "[]", "expected an AdmissionReview object"),
        ("wrong kind", #"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#, "kind must be"),
        ("unknown version", #"{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{}}"#, "unsupported apiVersion"),
        ("no request", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "request is missing"),
        ("no uid", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#, "uid"),
        ("uid of the wrong type", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":1}}"#, "uid"),
        ("namespace of the wrong type", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","namespace":[]}}"#, "request.namespace must be a string"),
    ])
    func malformedReviewsAreTypedErrors(_ name: String, _ body: String, _ reason: String) {
        #expect("\(name)" == name)
        #expect {
            _ = try engine.handle(Array(body.utf8), endpoint: .validate)
        } throws: { ($0 as? AdmissionRequestError)?.message.contains(reason) == true }
    }

    @Test func warningsStayWithinTheApiserverBudget() {
        let long = String(repeating: "x", count: 300)
        let findings = (0..<200).map { i in
            Finding(rule: "r\(i)", action: .warn, violation: Violation(path: .root, container: nil, message: long))
        }
        let warnings = WarningBudget.render(findings).strings
        #expect(warnings.allSatisfy { $0.utf8.count <= 120 })
        #expect(warnings.reduce(0) { $0 + $1.utf8.count } <= 4096)
        #expect(warnings.last?.contains("more warnings not shown") == true)
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64MatchesRFC4648Vectors(_ input: String, _ expected: String) {
        #expect(Base64.encode(Array(input.utf8)) == expected)
    }
}

@Suite("Warning text")
struct WarningTextTests {
    @Test(arguments: [
        ("ascii", String(repeating: "a", count: 300)),
        ("two-byte characters", String(repeating: "é", count: 200)),
        ("four-byte characters", String(repeating: "😀", count: 100)),
        ("mixed at the boundary", String(repeating: "a", count: 116) + "😀😀😀"),
    ])
    func clippedWarningsStayWithinTheLimitAndValidUTF8(_ name: String, _ text: String) {
        let clipped = clip(text, to: 120)
        #expect(clipped.utf8.count <= 120, "\(name)")
        #expect(clipped.hasSuffix("…"), "\(name)")
        #expect(String(validating: Array(clipped.utf8), as: UTF8.self) != nil, "\(name)")
        #expect(text.hasPrefix(String(clipped.dropLast())), "\(name)")
    }

    @Test func shortWarningsAreKeptWhole() {
        #expect(clip("short", to: 120) == "short")
    }

    private func clip(_ text: String, to limit: Int) -> String {
        var bytes = Array(text.utf8)
        WarningBudget.clip(&bytes, from: 0, to: limit)
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite("Fix demand")
struct FixDemandTests {
    static let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                                 "spec": ["containers": [["name": "c", "image": "nginx", "securityContext": ["privileged": true]]]]]

    @Test func aValidatingReviewBuildsFixesOnlyForDenials() {
        let evaluation = PolicyEngine.evaluate(Self.pod, policy: .default, fixes: .denials)
        let privileged = evaluation.findings.first { $0.rule == RuleID.privileged }
        let implicit = evaluation.findings.first { $0.rule == RuleID.implicitRegistry }
        #expect(privileged?.action == .deny && privileged?.fix != nil)
        #expect(implicit?.action == .warn && implicit?.fix == nil)
    }

    @Test func everyFixIsBuiltByDefault() {
        let evaluation = PolicyEngine.evaluate(Self.pod, policy: .default)
        #expect(evaluation.findings.first { $0.rule == RuleID.implicitRegistry }?.fix != nil)
    }

    @Test func theRulesAndActionsDoNotDependOnTheDemand() {
        let a = PolicyEngine.evaluate(Self.pod, policy: .default, fixes: .denials).findings
        let b = PolicyEngine.evaluate(Self.pod, policy: .default).findings
        #expect(a.map(\.rule) == b.map(\.rule))
        #expect(a.map(\.message) == b.map(\.message))
    }
}

@Suite("Response encoding")
struct ResponseEncodingTests {
    enum Shape: String, CaseIterable, Sendable {
        case allowedNothingElse, deniedWithAMessageThatNeedsEscaping, warningsAndAnnotations, aPatch, aNon403Status
    }

    static func response(_ shape: Shape, _ version: AdmissionReviewRequest.Version) -> AdmissionReviewResponse {
        var r = AdmissionReviewResponse(version: version, uid: "u-\"1\"", allowed: true)
        switch shape {
        case .allowedNothingElse: break
        case .deniedWithAMessageThatNeedsEscaping:
            r.allowed = false; r.statusCode = 403; r.statusMessage = "line \"one\"\n\\two é\u{1}"
        case .warningsAndAnnotations:
            r.warnings = ["a", "b \"q\""]; r.auditAnnotations = [("mode", "audit"), ("rules", "x,y")]
        case .aPatch:
            r.patch = JSONPatch([.add(JSONPointer("/a~1b")!, ["k": 1])])
        case .aNon403Status:
            r.allowed = false; r.statusCode = 400
        }
        return r
    }

    @Test(arguments: Shape.allCases)
    func theWrittenBytesAreTheJSONDocument(_ shape: Shape) throws {
        for version in [AdmissionReviewRequest.Version.v1, .v1beta1] {
            let response = Self.response(shape, version)
            #expect(try JSONReader().parse(response.bytes) == response.json, "\(shape)")
        }
    }
}
