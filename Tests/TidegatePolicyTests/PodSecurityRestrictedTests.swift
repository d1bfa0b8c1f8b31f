import Testing
import TidegateJSON
@testable import TidegatePolicy

@Suite("Pod Security Standards: restricted checks")
struct PodSecurityRestrictedTests {
    static let rows: [PSSCase] = [
        PSSCase("a pod with pod-level runAsNonRoot and seccomp, and hardened containers, meets restricted", [], level: .restricted),
        PSSCase("per-container runAsNonRoot and seccomp meet restricted too",
                [Tweak(psc, [:]),
                 Tweak("\(pssC0)/securityContext/runAsNonRoot", true), Tweak("\(pssC0)/securityContext/seccompProfile", ["type": "RuntimeDefault"]),
                 Tweak("\(i0)/securityContext/runAsNonRoot", true), Tweak("\(i0)/securityContext/seccompProfile", ["type": "Localhost", "localhostProfile": "p.json"]),
                 Tweak("\(e0)/securityContext/runAsNonRoot", true), Tweak("\(e0)/securityContext/seccompProfile", ["type": "RuntimeDefault"])],
                level: .restricted),

        // Baseline rules still bite at restricted.
        PSSCase("a privileged container fails restricted through the baseline rule", [Tweak("\(pssC0)/securityContext/privileged", true)], level: .restricted,
                expect: ["podSecurity.privileged \(pssC0)/securityContext/privileged"]),

        // restrictedVolumes (replaces hostPathVolumes)
        PSSCase("the nine allowed volume types pass",
                [Tweak("/spec/volumes", [
                    ["name": "a", "configMap": ["name": "c"]], ["name": "b", "csi": ["driver": "d"]], ["name": "c", "downwardAPI": [:]],
                    ["name": "d", "emptyDir": [:]], ["name": "e", "ephemeral": [:]], ["name": "f", "image": ["reference": "r"]],
                    ["name": "g", "persistentVolumeClaim": ["claimName": "x"]], ["name": "h", "projected": [:]], ["name": "i", "secret": ["secretName": "s"]],
                    ["name": "j"],
                ])], level: .restricted),
        PSSCase("a hostPath volume fails once, as a restricted volume type", [Tweak("/spec/volumes", [["name": "h", "hostPath": ["path": "/"]]])],
                level: .restricted, expect: ["podSecurity.restrictedVolumes /spec/volumes/0/hostPath"]),
        PSSCase("an nfs volume fails", [Tweak("/spec/volumes", [["name": "n", "nfs": ["server": "s", "path": "/"]]])], level: .restricted,
                expect: ["podSecurity.restrictedVolumes /spec/volumes/0/nfs"]),

        // allowPrivilegeEscalation
        PSSCase("allowPrivilegeEscalation unset fails", [Tweak("\(i0)/securityContext", ["capabilities": ["drop": ["ALL"]]])], level: .restricted,
                expect: ["podSecurity.allowPrivilegeEscalation \(i0)/securityContext/allowPrivilegeEscalation"]),
        PSSCase("allowPrivilegeEscalation true fails", [Tweak("\(e0)/securityContext/allowPrivilegeEscalation", true)], level: .restricted,
                expect: ["podSecurity.allowPrivilegeEscalation \(e0)/securityContext/allowPrivilegeEscalation"]),

        // runAsNonRoot
        PSSCase("runAsNonRoot unset everywhere fails for every container",
                [Tweak(psc, ["seccompProfile": ["type": "RuntimeDefault"]])], level: .restricted,
                expect: ["podSecurity.runAsNonRoot \(pssC0)/securityContext/runAsNonRoot",
                         "podSecurity.runAsNonRoot \(i0)/securityContext/runAsNonRoot",
                         "podSecurity.runAsNonRoot \(e0)/securityContext/runAsNonRoot"]),
        PSSCase("runAsNonRoot true on every container without the pod passes",
                [Tweak("\(psc)/runAsNonRoot", nil), Tweak("\(pssC0)/securityContext/runAsNonRoot", true),
                 Tweak("\(i0)/securityContext/runAsNonRoot", true), Tweak("\(e0)/securityContext/runAsNonRoot", true)], level: .restricted),
        PSSCase("a container's runAsNonRoot false fails even under a pod-level true", [Tweak("\(i0)/securityContext/runAsNonRoot", false)], level: .restricted,
                expect: ["podSecurity.runAsNonRoot \(i0)/securityContext/runAsNonRoot"]),
        PSSCase("a pod-level runAsNonRoot false is reported once, at the pod", [Tweak("\(psc)/runAsNonRoot", false)], level: .restricted,
                expect: ["podSecurity.runAsNonRoot \(psc)/runAsNonRoot"]),

        // runAsUser
        PSSCase("a non-zero runAsUser passes", [Tweak("\(psc)/runAsUser", 1000), Tweak("\(pssC0)/securityContext/runAsUser", 65534)], level: .restricted),
        PSSCase("runAsUser 0 on the pod fails", [Tweak("\(psc)/runAsUser", 0)], level: .restricted,
                expect: ["podSecurity.runAsUser \(psc)/runAsUser"]),
        PSSCase("runAsUser 0 on an ephemeralContainer fails", [Tweak("\(e0)/securityContext/runAsUser", 0)], level: .restricted,
                expect: ["podSecurity.runAsUser \(e0)/securityContext/runAsUser"]),

        // seccompProfile_restricted (replaces seccompProfile_baseline)
        PSSCase("seccomp unset everywhere fails for every container",
                [Tweak(psc, ["runAsNonRoot": true])], level: .restricted,
                expect: ["podSecurity.seccompProfile_restricted \(pssC0)/securityContext/seccompProfile",
                         "podSecurity.seccompProfile_restricted \(i0)/securityContext/seccompProfile",
                         "podSecurity.seccompProfile_restricted \(e0)/securityContext/seccompProfile"]),
        PSSCase("a container's seccomp Unconfined fails once, as the restricted rule",
                [Tweak("\(pssC0)/securityContext/seccompProfile", ["type": "Unconfined"])], level: .restricted,
                expect: ["podSecurity.seccompProfile_restricted \(pssC0)/securityContext/seccompProfile/type"]),
        PSSCase("a pod-level seccomp Unconfined is reported once, at the pod", [Tweak("\(psc)/seccompProfile", ["type": "Unconfined"])], level: .restricted,
                expect: ["podSecurity.seccompProfile_restricted \(psc)/seccompProfile/type"]),

        // capabilities_restricted (replaces capabilities_baseline)
        PSSCase("drop ALL with add NET_BIND_SERVICE passes", [Tweak("\(pssC0)/securityContext/capabilities", ["drop": ["ALL"], "add": ["NET_BIND_SERVICE"]])], level: .restricted),
        PSSCase("no capabilities at all fails", [Tweak("\(pssC0)/securityContext", ["allowPrivilegeEscalation": false])], level: .restricted,
                expect: ["podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/drop"]),
        PSSCase("drop all in lower case fails", [Tweak("\(i0)/securityContext/capabilities/drop", ["all"])], level: .restricted,
                expect: ["podSecurity.capabilities_restricted \(i0)/securityContext/capabilities/drop"]),
        PSSCase("adding a baseline-default capability fails restricted, once",
                [Tweak("\(e0)/securityContext/capabilities/add", ["CHOWN", "NET_BIND_SERVICE"])], level: .restricted,
                expect: ["podSecurity.capabilities_restricted \(e0)/securityContext/capabilities/add"]),
        PSSCase("adding SYS_ADMIN without dropping ALL fails on both fields",
                [Tweak("\(pssC0)/securityContext/capabilities", ["add": ["SYS_ADMIN"]])], level: .restricted,
                expect: ["podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/add",
                         "podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/drop"]),

        // procMount_restricted (replaces procMount)
        PSSCase("procMount Unmasked fails once, as the restricted rule", [Tweak("\(pssC0)/securityContext/procMount", "Unmasked")], level: .restricted,
                expect: ["podSecurity.procMount_restricted \(pssC0)/securityContext/procMount"]),
    ]

    @Test(arguments: rows)
    func restricted(_ row: PSSCase) throws { try checkRow(row) }

    @Test func messagesNameWhatToSet() throws {
        let findings = try pssFindings(PSSPods.bare, .restricted)
        #expect(findings.map(\.message) == [
            "container \"web\": allowPrivilegeEscalation != false (must set securityContext.allowPrivilegeEscalation=false)",
            "container \"web\": runAsNonRoot != true (pod or container must set securityContext.runAsNonRoot=true)",
            "container \"web\": seccompProfile (pod or container must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            "container \"web\": unrestricted capabilities (must set securityContext.capabilities.drop=[\"ALL\"])",
        ])
    }

    @Test func missingPodWideSettingsAreFixedOnceAtPodLevel() throws {
        let object = try PSSPods.restricted.tweaked([Tweak(psc, [:])])
        let findings = try pssFindings(object, .restricted)
        #expect(findings.count == 6)
        let targets = Set(findings.compactMap { $0.fix?.operations.first?.path.description })
        #expect(targets == ["\(psc)/runAsNonRoot", "\(psc)/seccompProfile"])
    }
}
