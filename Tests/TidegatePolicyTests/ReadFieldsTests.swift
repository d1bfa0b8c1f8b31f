import Foundation
import Testing
import TidegateJSON
@testable import TidegatePolicy

/// The webhook builds only `ReadFields.object(for: policy)` of a submitted object. Whatever a
/// check reads must be in it: findings and fixes from the filtered read must equal those from
/// a full read, for the default policy and for the restricted standard.
@Suite("Fields the checks read")
struct ReadFieldsTests {
    static var payloadObjects: [(String, JSONValue)] {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("shared/payloads").path) {
            dir.deleteLastPathComponent()
        }
        return ["pod-small.json", "deployment-typical.json", "pod-large.json"].compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent("shared/payloads/\(name)").path),
                  let review = try? JSONReader().parse(Array(data)), let object = review["request"]?["object"]
            else { return nil }
            return (name, object)
        }
    }

    static let manifests: [(String, JSONValue)] = [
        ("seed pod", ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "a", "annotations": ["x/y": "z"]],
                      "spec": ["securityContext": ["runAsUser": 1000, "readOnlyRootFilesystem": true],
                               "containers": [["name": "web", "image": "nginx", "env": [["name": "A", "value": "1"]],
                                               "securityContext": ["capabilities": ["add": ["NET_BIND_SERVICE", "SYS_ADMIN"]]]]]]]),
        ("cronjob", ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "c"],
                     "spec": ["schedule": "* * * * *", "jobTemplate": ["spec": ["template": ["spec": [
                        "hostPID": true, "volumes": [["name": "h", "hostPath": ["path": "/"]]],
                        "initContainers": [["name": "i", "image": "busybox:1.36", "securityContext": ["privileged": true]]],
                        "containers": [["name": "c", "image": .string("gcr.io/x/y@sha256:" + String(repeating: "a", count: 64)),
                                        "ports": [["containerPort": 80, "hostPort": 80], ["containerPort": 81]],
                                        "volumeMounts": [["name": "h", "mountPath": "/r", "readOnly": true]],
                                        "livenessProbe": ["httpGet": ["host": "1.2.3.4", "port": 80]],
                                        "readinessProbe": ["exec": ["command": ["true"]], "periodSeconds": 5],
                                        "startupProbe": ["tcpSocket": ["host": "10.0.0.1", "port": 81]],
                                        "lifecycle": ["postStart": ["httpGet": ["host": "h", "port": 1]],
                                                      "preStop": ["exec": ["command": ["sleep", "5"]]]]]]]]]]]]),
        ("windows podtemplate", ["apiVersion": "v1", "kind": "PodTemplate", "metadata": ["name": "t"],
                                 "template": ["spec": ["os": ["name": "windows"], "securityContext": ["runAsNonRoot": true],
                                                       "containers": [["name": "w", "image": "mcr.microsoft.com/windows:ltsc2022"]]]]]),
    ]

    static var cases: [(String, JSONValue, Policy)] {
        var restricted = Policy()
        restricted.podSecurity = PodSecuritySettings(level: .restricted)
        var everything = Policy()
        for rule in [\SecurityContextRules.sysctls, \.hostNetwork, \.hostNamespaces, \.hostPorts, \.procMount,
                     \.volumeTypes, \.hostPaths, \.seccompProfile, \.appArmorProfile, \.seLinuxOptions] {
            everything.securityContext[keyPath: rule] = .deny
        }
        // Host paths allowed read-only: whether a mount is read-only decides.
        everything.securityContext.readOnlyHostPaths = ["/"]
        return (manifests + payloadObjects).flatMap { name, object in
            [(name + " / default policy", object, Policy.default), (name + " / restricted", object, restricted),
             (name + " / every rule on", object, everything)]
        }
    }

    @Test func theSharedPayloadsAreFound() {
        #expect(Self.payloadObjects.count == 3)
    }

    @Test func filteredAndFullReadsGiveTheSameFindingsAndFixes() throws {
        for (name, object, policy) in Self.cases {
            let bytes = JSONWriter().bytes(object)
            let filtered = try JSONReader(filter: ReadFields.object(for: policy)).parse(bytes)
            let full = PolicyEngine.evaluate(object, policy: policy)
            let fromFiltered = PolicyEngine.evaluate(filtered, policy: policy)
            #expect(fromFiltered.findings == full.findings, "\(name)")
            #expect(PolicyEngine.fix(filtered, policy: policy).patch == PolicyEngine.fix(object, policy: policy).patch, "\(name)")
        }
    }

    @Test func withoutTheStandardsTheReadIsNarrower() throws {
        let object = Self.manifests[1].1
        let narrow = try JSONReader(filter: ReadFields.object(for: .default)).parse(JSONWriter().bytes(object))
        #expect(narrow.value(at: JSONPointer("/spec/jobTemplate/spec/template/spec/hostPID")!) == nil)
        #expect(narrow.value(at: JSONPointer("/spec/jobTemplate/spec/template/spec/containers/0/image")!) != nil)
    }
}
