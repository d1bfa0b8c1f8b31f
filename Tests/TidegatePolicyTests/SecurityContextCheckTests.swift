import Testing
import TidegateJSON
@testable import TidegatePolicy

/// One pod and the findings one rule must produce for it.
struct RuleCase: CustomTestStringConvertible, Sendable {
    let name: String
    let rule: String
    let spec: String
    var scope: ContainerScope = .all
    var policy: Policy = .default
    let expected: [ExpectedRuleFinding]

    var testDescription: String { "\(rule): \(name)" }
}

private let c0 = "/spec/containers/0/securityContext"
private let podSC = "/spec/securityContext"

private func policy(_ change: (inout SecurityContextRules) -> Void) -> Policy {
    var p = Policy.default
    change(&p.securityContext)
    return p
}

private func one(_ sc: String, pod: String? = nil, extra: String = "") -> String {
    let podPart = pod.map { #""securityContext":\#($0),"# } ?? ""
    return #"{\#(podPart)\#(extra)"containers":[{"name":"app","image":"x","securityContext":\#(sc)}]}"#
}

private let runAsNonRootCases: [RuleCase] = {
    let r = RuleID.runAsNonRoot
    let deny = { (path: String) in ExpectedRuleFinding(r, .deny, path) }
    return [
        RuleCase(name: "nothing set anywhere may run as root", rule: r, spec: one("{}"),
                 expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "pod runAsNonRoot true covers the container", rule: r,
                 spec: one("{}", pod: #"{"runAsNonRoot":true}"#), expected: []),
        RuleCase(name: "pod non-zero runAsUser covers the container", rule: r,
                 spec: one("{}", pod: #"{"runAsUser":1000}"#), expected: []),
        RuleCase(name: "container non-zero runAsUser passes", rule: r, spec: one(#"{"runAsUser":1000}"#), expected: []),
        RuleCase(name: "container runAsNonRoot true passes", rule: r, spec: one(#"{"runAsNonRoot":true}"#), expected: []),
        RuleCase(name: "pod runAsUser 0 is inherited and reported at the pod field", rule: r,
                 spec: one("{}", pod: #"{"runAsUser":0}"#), expected: [deny("\(podSC)/runAsUser")]),
        RuleCase(name: "container runAsUser overrides pod runAsUser 0", rule: r,
                 spec: one(#"{"runAsUser":1000}"#, pod: #"{"runAsUser":0}"#), expected: []),
        RuleCase(name: "container runAsUser 0 overrides pod runAsUser 1000", rule: r,
                 spec: one(#"{"runAsUser":0}"#, pod: #"{"runAsUser":1000}"#), expected: [deny("\(c0)/runAsUser")]),
        RuleCase(name: "container runAsUser 0 with pod runAsNonRoot true still fails", rule: r,
                 spec: one(#"{"runAsUser":0}"#, pod: #"{"runAsNonRoot":true}"#), expected: [deny("\(c0)/runAsUser")]),
        RuleCase(name: "container runAsNonRoot false overrides pod true", rule: r,
                 spec: one(#"{"runAsNonRoot":false}"#, pod: #"{"runAsNonRoot":true}"#),
                 expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "container runAsNonRoot true overrides pod false", rule: r,
                 spec: one(#"{"runAsNonRoot":true}"#, pod: #"{"runAsNonRoot":false}"#), expected: []),
        RuleCase(name: "hostUsers false does not exempt: root in a user namespace is still root in the container", rule: r,
                 spec: one("{}", extra: #""hostUsers":false,"#), expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "pod runAsNonRoot false without a uid fails", rule: r,
                 spec: one("{}", pod: #"{"runAsNonRoot":false}"#), expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "non-zero uid passes even with runAsNonRoot false", rule: r,
                 spec: one(#"{"runAsNonRoot":false,"runAsUser":1000}"#), expected: []),
        RuleCase(name: "pod uid inherited past container runAsNonRoot false passes", rule: r,
                 spec: one(#"{"runAsNonRoot":false}"#, pod: #"{"runAsUser":1000}"#), expected: []),
        RuleCase(name: "a string runAsUser is not a uid", rule: r,
                 spec: one("{}", pod: #"{"runAsUser":"1000"}"#), expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "null container securityContext inherits the pod uid", rule: r,
                 spec: one("null", pod: #"{"runAsUser":1000}"#), expected: []),
        RuleCase(name: "null container securityContext with nothing at pod level fails", rule: r,
                 spec: one("null"), expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "every container kind is checked", rule: r,
                 spec: #"{"containers":[{"name":"a"}],"initContainers":[{"name":"i"}],"ephemeralContainers":[{"name":"e"}]}"#,
                 expected: [deny("/spec/containers/0/securityContext/runAsNonRoot"),
                            deny("/spec/initContainers/0/securityContext/runAsNonRoot"),
                            deny("/spec/ephemeralContainers/0/securityContext/runAsNonRoot")]),
        RuleCase(name: "ephemeral scope checks only ephemeral containers", rule: r,
                 spec: #"{"containers":[{"name":"a"}],"initContainers":[{"name":"i"}],"ephemeralContainers":[{"name":"e"}]}"#,
                 scope: .ephemeralOnly,
                 expected: [deny("/spec/ephemeralContainers/0/securityContext/runAsNonRoot")]),
        RuleCase(name: "ephemeral scope cannot fix an inherited pod runAsUser 0", rule: r,
                 spec: #"{"securityContext":{"runAsUser":0},"containers":[{"name":"a","securityContext":{"runAsUser":5}}],"ephemeralContainers":[{"name":"e"}]}"#,
                 scope: .ephemeralOnly,
                 expected: [ExpectedRuleFinding(r, .deny, "\(podSC)/runAsUser", fixable: false)]),
        RuleCase(name: "windows pod without runAsNonRoot fails", rule: r,
                 spec: one("{}", extra: #""os":{"name":"windows"},"#), expected: [deny("\(c0)/runAsNonRoot")]),
        RuleCase(name: "windows pod with runAsNonRoot true passes", rule: r,
                 spec: one("{}", pod: #"{"runAsNonRoot":true}"#, extra: #""os":{"name":"windows"},"#), expected: []),
        RuleCase(name: "the policy sets the action", rule: r, spec: one("{}"),
                 policy: policy { $0.runAsNonRoot = .warn }, expected: [ExpectedRuleFinding(r, .warn, "\(c0)/runAsNonRoot")]),
        RuleCase(name: "off produces nothing", rule: r, spec: one("{}"),
                 policy: policy { $0.runAsNonRoot = .off }, expected: []),
    ]
}()

private let runAsUserUnsetCases: [RuleCase] = {
    let r = RuleID.runAsUserUnset
    let warn = { (path: String) in ExpectedRuleFinding(r, .warn, path, fixable: false) }
    return [
        RuleCase(name: "pod runAsNonRoot true without any uid warns", rule: r,
                 spec: one("{}", pod: #"{"runAsNonRoot":true}"#), expected: [warn("\(c0)/runAsUser")]),
        RuleCase(name: "container runAsNonRoot true without any uid warns", rule: r,
                 spec: one(#"{"runAsNonRoot":true}"#), expected: [warn("\(c0)/runAsUser")]),
        RuleCase(name: "a pod uid satisfies container runAsNonRoot", rule: r,
                 spec: one(#"{"runAsNonRoot":true}"#, pod: #"{"runAsUser":1000}"#), expected: []),
        RuleCase(name: "a container uid satisfies pod runAsNonRoot", rule: r,
                 spec: one(#"{"runAsUser":1000}"#, pod: #"{"runAsNonRoot":true}"#), expected: []),
        RuleCase(name: "runAsNonRoot unset is not this rule's business", rule: r, spec: one("{}"), expected: []),
        RuleCase(name: "container runAsNonRoot false overrides the pod's true", rule: r,
                 spec: one(#"{"runAsNonRoot":false}"#, pod: #"{"runAsNonRoot":true}"#), expected: []),
        RuleCase(name: "init containers are checked", rule: r,
                 spec: #"{"securityContext":{"runAsNonRoot":true},"initContainers":[{"name":"i"}],"containers":[{"name":"a","securityContext":{"runAsUser":7}}]}"#,
                 expected: [warn("/spec/initContainers/0/securityContext/runAsUser")]),
        RuleCase(name: "windows pods verify the user by name", rule: r,
                 spec: one("{}", pod: #"{"runAsNonRoot":true}"#, extra: #""os":{"name":"windows"},"#), expected: []),
    ]
}()

private let capabilitiesCases: [RuleCase] = {
    let r = RuleID.capabilities
    let deny = { (path: String) in ExpectedRuleFinding(r, .deny, path) }
    let add = { (list: String) in one(#"{"capabilities":{"add":\#(list)}}"#) }
    return [
        RuleCase(name: "an allowed capability passes", rule: r, spec: add(#"["NET_BIND_SERVICE"]"#), expected: []),
        RuleCase(name: "a disallowed capability is reported at its index", rule: r, spec: add(#"["SYS_ADMIN"]"#),
                 expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "several disallowed entries are reported each", rule: r,
                 spec: add(#"["NET_BIND_SERVICE","NET_ADMIN","CHOWN","SYS_ADMIN"]"#),
                 expected: [deny("\(c0)/capabilities/add/1"), deny("\(c0)/capabilities/add/2"),
                            deny("\(c0)/capabilities/add/3")]),
        RuleCase(name: "a CAP_ prefix is compared exactly", rule: r, spec: add(#"["CAP_NET_BIND_SERVICE"]"#),
                 expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "lowercase is compared exactly", rule: r, spec: add(#"["net_bind_service"]"#),
                 expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "ALL is not allowed", rule: r, spec: add(#"["ALL"]"#), expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "a non-string entry is reported", rule: r, spec: add("[7]"), expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "an empty allow-list allows nothing", rule: r, spec: add(#"["NET_BIND_SERVICE"]"#),
                 policy: policy { $0.allowedCapabilities = [] }, expected: [deny("\(c0)/capabilities/add/0")]),
        RuleCase(name: "the allow-list comes from the policy", rule: r, spec: add(#"["CHOWN","NET_RAW"]"#),
                 policy: policy { $0.allowedCapabilities = ["CHOWN"] }, expected: [deny("\(c0)/capabilities/add/1")]),
        RuleCase(name: "null capabilities add nothing", rule: r, spec: one(#"{"capabilities":null}"#), expected: []),
        RuleCase(name: "pod-level capabilities are not this rule's business", rule: r,
                 spec: one("{}", pod: #"{"capabilities":{"add":["SYS_ADMIN"]}}"#), expected: []),
        RuleCase(name: "init and ephemeral containers are checked", rule: r,
                 spec: #"{"containers":[{"name":"a"}],"initContainers":[{"name":"i","securityContext":{"capabilities":{"add":["NET_RAW"]}}}],"ephemeralContainers":[{"name":"e","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}]}"#,
                 expected: [deny("/spec/initContainers/0/securityContext/capabilities/add/0"),
                            deny("/spec/ephemeralContainers/0/securityContext/capabilities/add/0")]),
        RuleCase(name: "windows pods have no capabilities", rule: r,
                 spec: one(#"{"capabilities":{"add":["SYS_ADMIN"]}}"#, extra: #""os":{"name":"windows"},"#), expected: []),
    ]
}()

private let requireDropAllCases: [RuleCase] = {
    let r = RuleID.requireDropAll
    let warn = ExpectedRuleFinding(r, .warn, "\(c0)/capabilities/drop")
    return [
        RuleCase(name: "drop ALL passes", rule: r, spec: one(#"{"capabilities":{"drop":["ALL"]}}"#), expected: []),
        RuleCase(name: "no capabilities at all warns", rule: r, spec: one("{}"), expected: [warn]),
        RuleCase(name: "no securityContext at all warns", rule: r, spec: #"{"containers":[{"name":"a"}]}"#, expected: [warn]),
        RuleCase(name: "null securityContext warns", rule: r, spec: one("null"), expected: [warn]),
        RuleCase(name: "dropping some capabilities is not enough", rule: r,
                 spec: one(#"{"capabilities":{"drop":["NET_RAW"]}}"#), expected: [warn]),
        RuleCase(name: "lowercase all does not count", rule: r, spec: one(#"{"capabilities":{"drop":["all"]}}"#), expected: [warn]),
        RuleCase(name: "pod-level drop ALL does not apply", rule: r,
                 spec: one("{}", pod: #"{"capabilities":{"drop":["ALL"]}}"#), expected: [warn]),
        RuleCase(name: "windows pods have no capabilities", rule: r,
                 spec: one("{}", extra: #""os":{"name":"windows"},"#), expected: []),
    ]
}()

private let privilegedCases: [RuleCase] = {
    let r = RuleID.privileged
    return [
        RuleCase(name: "privileged true is denied", rule: r, spec: one(#"{"privileged":true}"#),
                 expected: [ExpectedRuleFinding(r, .deny, "\(c0)/privileged")]),
        RuleCase(name: "privileged false passes", rule: r, spec: one(#"{"privileged":false}"#), expected: []),
        RuleCase(name: "unset passes", rule: r, spec: one("{}"), expected: []),
        RuleCase(name: "pod-level privileged does not apply", rule: r, spec: one("{}", pod: #"{"privileged":true}"#), expected: []),
        RuleCase(name: "init containers are checked", rule: r,
                 spec: #"{"containers":[{"name":"a"}],"initContainers":[{"name":"i","securityContext":{"privileged":true}}]}"#,
                 expected: [ExpectedRuleFinding(r, .deny, "/spec/initContainers/0/securityContext/privileged")]),
    ]
}()

private let allowPrivilegeEscalationCases: [RuleCase] = {
    let r = RuleID.allowPrivilegeEscalation
    let path = "\(c0)/allowPrivilegeEscalation"
    return [
        RuleCase(name: "explicit false passes", rule: r, spec: one(#"{"allowPrivilegeEscalation":false}"#), expected: []),
        RuleCase(name: "unset warns", rule: r, spec: one("{}"), expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "true warns", rule: r, spec: one(#"{"allowPrivilegeEscalation":true}"#),
                 expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "pod-level false does not apply", rule: r,
                 spec: one("{}", pod: #"{"allowPrivilegeEscalation":false}"#), expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "privileged implies escalation and has no fix", rule: r,
                 spec: one(#"{"privileged":true}"#), expected: [ExpectedRuleFinding(r, .warn, path, fixable: false)]),
        RuleCase(name: "privileged overrides an explicit false", rule: r,
                 spec: one(#"{"privileged":true,"allowPrivilegeEscalation":false}"#),
                 expected: [ExpectedRuleFinding(r, .warn, path, fixable: false)]),
        RuleCase(name: "SYS_ADMIN implies escalation and has no fix", rule: r,
                 spec: one(#"{"capabilities":{"add":["CAP_SYS_ADMIN"]}}"#),
                 expected: [ExpectedRuleFinding(r, .warn, path, fixable: false)]),
        RuleCase(name: "ephemeral containers are checked", rule: r,
                 spec: #"{"containers":[\#(SCFixtures.hardenedContainer)],"ephemeralContainers":[{"name":"debug"}]}"#,
                 expected: [ExpectedRuleFinding(r, .warn, "/spec/ephemeralContainers/0/securityContext/allowPrivilegeEscalation")]),
        RuleCase(name: "windows pods have no such field", rule: r,
                 spec: one("{}", extra: #""os":{"name":"windows"},"#), expected: []),
    ]
}()

private let readOnlyRootFilesystemCases: [RuleCase] = {
    let r = RuleID.readOnlyRootFilesystem
    let path = "\(c0)/readOnlyRootFilesystem"
    let misplacedTrue = #"{"readOnlyRootFilesystem":true}"#
    return [
        RuleCase(name: "true passes", rule: r, spec: one(#"{"readOnlyRootFilesystem":true}"#), expected: []),
        RuleCase(name: "unset warns", rule: r, spec: one("{}"), expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "false warns", rule: r, spec: one(#"{"readOnlyRootFilesystem":false}"#),
                 expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "misplaced pod-level true is left to misplacedFields", rule: r,
                 spec: one("{}", pod: misplacedTrue), expected: []),
        RuleCase(name: "misplaced pod-level true does not excuse an explicit false", rule: r,
                 spec: one(#"{"readOnlyRootFilesystem":false}"#, pod: misplacedTrue),
                 expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "misplaced pod-level true is reported here when misplacedFields is off", rule: r,
                 spec: one("{}", pod: misplacedTrue), policy: policy { $0.misplacedFields = .off },
                 expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "folding never turns a deny into a warning", rule: r,
                 spec: one("{}", pod: misplacedTrue), policy: policy { $0.readOnlyRootFilesystem = .deny },
                 expected: [ExpectedRuleFinding(r, .deny, path)]),
        RuleCase(name: "misplaced pod-level false is not folded", rule: r,
                 spec: one("{}", pod: #"{"readOnlyRootFilesystem":false}"#), expected: [ExpectedRuleFinding(r, .warn, path)]),
        RuleCase(name: "ephemeral scope reports it here because misplacedFields does not run", rule: r,
                 spec: #"{"securityContext":\#(misplacedTrue),"containers":[\#(SCFixtures.hardenedContainer)],"ephemeralContainers":[{"name":"debug"}]}"#,
                 scope: .ephemeralOnly,
                 expected: [ExpectedRuleFinding(r, .warn, "/spec/ephemeralContainers/0/securityContext/readOnlyRootFilesystem")]),
        RuleCase(name: "windows pods have no such field", rule: r,
                 spec: one("{}", extra: #""os":{"name":"windows"},"#), expected: []),
    ]
}()

private let misplacedFieldsCases: [RuleCase] = {
    let r = RuleID.misplacedFields
    return [
        RuleCase(name: "pod-level readOnlyRootFilesystem is reported at the pod", rule: r,
                 spec: one("{}", pod: #"{"runAsUser":1000,"readOnlyRootFilesystem":true}"#),
                 expected: [ExpectedRuleFinding(r, .warn, "\(podSC)/readOnlyRootFilesystem")]),
        RuleCase(name: "every container-only field is reported once", rule: r,
                 spec: one("{}", pod: #"{"procMount":"Default","privileged":false,"capabilities":{"drop":["ALL"]},"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true}"#),
                 expected: ["capabilities", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "procMount"]
                    .map { ExpectedRuleFinding(r, .warn, "\(podSC)/\($0)") }),
        RuleCase(name: "pod-level fields that exist there pass", rule: r,
                 spec: one("{}", pod: #"{"runAsUser":1000,"runAsNonRoot":true,"fsGroup":2000,"seccompProfile":{"type":"RuntimeDefault"}}"#),
                 expected: []),
        RuleCase(name: "a null pod-level field passes", rule: r,
                 spec: one("{}", pod: #"{"readOnlyRootFilesystem":null}"#), expected: []),
        RuleCase(name: "no pod securityContext passes", rule: r, spec: one("{}"), expected: []),
        RuleCase(name: "an ephemeral-containers update cannot change the pod", rule: r,
                 spec: #"{"securityContext":{"privileged":true},"containers":[{"name":"a"}],"ephemeralContainers":[{"name":"e"}]}"#,
                 scope: .ephemeralOnly, expected: []),
        RuleCase(name: "windows pods are reported too", rule: r,
                 spec: one("{}", pod: #"{"readOnlyRootFilesystem":true}"#, extra: #""os":{"name":"windows"},"#),
                 expected: [ExpectedRuleFinding(r, .warn, "\(podSC)/readOnlyRootFilesystem")]),
    ]
}()

@Suite struct SecurityContextCheckTests {
    static let cases = runAsNonRootCases + runAsUserUnsetCases + capabilitiesCases + requireDropAllCases
        + privilegedCases + allowPrivilegeEscalationCases + readOnlyRootFilesystemCases + misplacedFieldsCases
        + hostRuleCases + hostPathCases + securityProfileCases + seLinuxCases

    @Test(arguments: cases)
    func findings(_ c: RuleCase) throws {
        let object = try SCFixtures.pod(c.spec)
        let evaluation = PolicyEngine.evaluate(object, policy: c.policy, scope: c.scope, checks: securityContextChecks(c.rule))
        #expect(evaluation.findings.map(ExpectedRuleFinding.init) == c.expected)
        for finding in evaluation.findings {
            #expect(!finding.message.isEmpty)
            if let ref = finding.container { #expect(finding.message.hasPrefix("\(ref.kind.noun) \"")) }
        }
    }

    @Test func everyRuleHasCases() {
        let covered = Set(Self.cases.map(\.rule))
        #expect(Set(Checks.securityContextChecks.map(\.id)) == covered)
    }
}
