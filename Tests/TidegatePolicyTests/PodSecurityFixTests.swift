import Testing
import TidegateJSON
@testable import TidegatePolicy

/// The standards' fixes, applied the way the mutating webhook applies them, leave nothing a
/// fix could still change.
@Suite("Pod Security Standards: fixes")
struct PodSecurityFixTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let object: JSONValue
        let version: KubeVersion
        let scope: ContainerScope
        /// The level the fixed pod meets.
        let level: PodSecurityLevel
        /// Rules still failing afterwards, having no mechanical fix.
        let remaining: [String]
        var testDescription: String { name }

        init(_ name: String, _ object: JSONValue, version: KubeVersion = .latest, scope: ContainerScope = .all,
             level: PodSecurityLevel = .restricted, remaining: [String] = []) {
            self.name = name
            self.object = object
            self.version = version
            self.scope = scope
            self.level = level
            self.remaining = remaining
        }
    }

    static let everythingFixable: JSONValue = try! PSSPods.bare.tweaked([
        Tweak("/metadata/annotations", ["container.apparmor.security.beta.kubernetes.io/web": "unconfined", "team": "a"]),
        Tweak("/spec/securityContext", ["runAsNonRoot": false, "seccompProfile": ["type": "Unconfined"], "appArmorProfile": ["type": "Unconfined"]]),
        Tweak("\(pssC0)/securityContext", [
            "privileged": true, "allowPrivilegeEscalation": true, "runAsNonRoot": false, "procMount": "Unmasked",
            "capabilities": ["add": ["SYS_ADMIN", "NET_BIND_SERVICE", "CHOWN"], "drop": ["NET_RAW"]],
            "seccompProfile": ["type": "Unconfined"], "appArmorProfile": ["type": "Unconfined"],
        ]),
        Tweak("/spec/initContainers", [["name": "init", "image": "i", "securityContext": ["capabilities": ["add": ["NET_ADMIN"]]]]]),
        Tweak("/spec/ephemeralContainers", [["name": "debug", "image": "d"]]),
    ])

    static let rows: [Row] = [
        Row("a pod that sets nothing becomes restricted", PSSPods.bare),
        Row("every fixable violation in every container kind is fixed", everythingFixable),
        Row("a CronJob's pod template is fixed in place", [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "c"],
            "spec": ["schedule": "* * * * *", "jobTemplate": ["spec": ["template": ["spec": everythingFixable["spec"]!]]]],
        ]),
        Row("seccomp annotations are fixed at v1.18", try! PSSPods.bare.tweaked([
            Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                                            "container.seccomp.security.alpha.kubernetes.io/web": "unconfined"]),
        ]), version: v(18)),
        Row("what has no mechanical fix is left for a person", try! everythingFixable.tweaked([
            Tweak("/spec/hostNetwork", true), Tweak("\(pssC0)/ports", [["containerPort": 80, "hostPort": 80]]),
            Tweak("/spec/volumes", [["name": "h", "hostPath": ["path": "/"]]]), Tweak("\(psc)/runAsUser", 0),
        ]), level: .privileged, remaining: ["podSecurity.hostNamespaces", "podSecurity.hostPorts", "podSecurity.restrictedVolumes",
                                           "podSecurity.runAsUser"]),
    ]

    @Test(arguments: rows)
    func fixUntilNothingFixableRemains(_ row: Row) throws {
        let policy = pssPolicy(.restricted, row.version)
        let result = PolicyEngine.fix(row.object, policy: policy, scope: row.scope)
        // The patch applies to the submitted object and gives the fixed one.
        let patched = try result.patch.applied(to: row.object)
        #expect(patched == result.fixed)
        let after = PolicyEngine.evaluate(patched, policy: policy, scope: row.scope)
        let fixable = (after.findings + after.duplicates).filter { !($0.fix?.operations.isEmpty ?? true) }
        #expect(fixable.isEmpty, "still fixable: \(fixable.map(\.rule))")
        #expect(Set(after.findings.map(\.rule)) == Set(row.remaining))
        #expect(PodSecurityLevels.evaluate(patched, version: row.version)?.level == row.level)
    }

    @Test func fixesKeepWhatTheyDoNotConcern() throws {
        let result = PolicyEngine.fix(Self.everythingFixable, policy: pssPolicy(.restricted))
        let fixed = result.fixed
        #expect(fixed.value(at: JSONPointer("\(pssC0)/securityContext/capabilities")!) == ["add": ["NET_BIND_SERVICE"], "drop": ["NET_RAW", "ALL"]])
        #expect(fixed.value(at: JSONPointer("/metadata/annotations/team")!) == "a")
        #expect(fixed.value(at: JSONPointer("\(i0)/securityContext/capabilities/add")!) == nil)
        #expect(fixed.value(at: JSONPointer("\(psc)/seccompProfile")!) == ["type": "RuntimeDefault"])
    }

    @Test func anEphemeralContainerReviewPatchesOnlyTheEphemeralContainer() throws {
        let result = PolicyEngine.fix(try PSSPods.bare.tweaked([Tweak("/spec/ephemeralContainers", [["name": "debug", "image": "d"]])]),
                                      policy: pssPolicy(.restricted), scope: .ephemeralOnly)
        #expect(!result.patch.operations.isEmpty)
        #expect(result.patch.operations.allSatisfy { $0.path.hasPrefix(JSONPointer(e0)!) })
    }
}
