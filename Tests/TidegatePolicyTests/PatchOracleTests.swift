import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Real manifests whose fixes are checked against an independent JSON Patch implementation.
private let oracleManifests: [SCManifest] = [
    SCManifest(name: "the seed pod") { try SCFixtures.json(SCFixtures.seedPod) },
    SCManifest(name: "a Deployment with init and ephemeral containers") {
        try SCFixtures.json(#"""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"checkout","namespace":"shop","labels":{"app.kubernetes.io/name":"checkout"},
          "annotations":{"deployment.kubernetes.io/revision":"3"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app.kubernetes.io/name":"checkout"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
          "template":{
           "metadata":{"labels":{"app.kubernetes.io/name":"checkout"},
            "annotations":{"checksum/config":"5f1c0d","kubectl.kubernetes.io/default-container":"api"}},
           "spec":{
            "serviceAccountName":"checkout","terminationGracePeriodSeconds":30,
            "securityContext":{"runAsNonRoot":true,"fsGroup":2000,"seccompProfile":{"type":"RuntimeDefault"}},
            "volumes":[{"name":"tmp","emptyDir":{"sizeLimit":"64Mi"}},{"name":"config","configMap":{"name":"checkout"}}],
            "initContainers":[{"name":"migrate","image":"registry.k8s.io/shop/checkout:2.14.3","args":["migrate"],
              "securityContext":{"runAsUser":0,"capabilities":{"add":["CHOWN","FOWNER"]}}}],
            "containers":[
             {"name":"api","image":"registry.k8s.io/shop/checkout:2.14.3","ports":[{"containerPort":8080}],
              "env":[{"name":"LOG_LEVEL","value":"info"}],
              "resources":{"limits":{"cpu":"1","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}},
              "volumeMounts":[{"name":"tmp","mountPath":"/tmp"},{"name":"config","mountPath":"/etc/checkout","readOnly":true}],
              "securityContext":{"runAsUser":10001,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}},
             {"name":"proxy","image":"gcr.io/proxy/envoy:1.31","securityContext":{"privileged":true}}],
            "ephemeralContainers":[{"name":"debugger","image":"registry.k8s.io/busybox:1.36","stdin":true,"tty":true,
              "targetContainerName":"api"}]}}}}
        """#)
    },
    SCManifest(name: "a CronJob") {
        try SCFixtures.json(#"""
        {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"report","namespace":"ops"},
         "spec":{"schedule":"0 3 * * *","concurrencyPolicy":"Forbid","successfulJobsHistoryLimit":3,
          "jobTemplate":{"spec":{"backoffLimit":2,"template":{
           "metadata":{"labels":{"job":"report"}},
           "spec":{"restartPolicy":"OnFailure",
            "securityContext":{"runAsUser":0,"capabilities":{"drop":["ALL"]},"allowPrivilegeEscalation":false},
            "containers":[{"name":"report","image":"gcr.io/ops/report:1.2.0","command":["/report","--daily"]}]}}}}}}
        """#)
    },
    SCManifest(name: "a pod with no securityContext at all") {
        try SCFixtures.json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"bare"},
         "spec":{"containers":[{"name":"a","image":"registry.k8s.io/pause:3.10"},{"name":"b","image":"registry.k8s.io/pause:3.10"}]}}
        """#)
    },
    SCManifest(name: "a pod whose container securityContext is null") {
        try SCFixtures.json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"nulls"},
         "spec":{"securityContext":{"runAsUser":1000},
          "containers":[{"name":"a","image":"registry.k8s.io/pause:3.10","securityContext":null}]}}
        """#)
    },
    SCManifest(name: "a pod adding disallowed capabilities at several indices") {
        try SCFixtures.json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"caps"},
         "spec":{"securityContext":{"runAsUser":1000},
          "containers":[{"name":"net","image":"registry.k8s.io/pause:3.10","securityContext":{
            "capabilities":{"drop":["NET_RAW"],
              "add":["NET_ADMIN","NET_BIND_SERVICE","SYS_ADMIN","cap_net_raw","SYS_PTRACE","CAP_NET_BIND_SERVICE"]}}}]}}
        """#)
    },
    SCManifest(name: "a StatefulSet with every container-only field at pod level") {
        try SCFixtures.json(#"""
        {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
         "spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},
          "spec":{"securityContext":{"runAsUser":999,"privileged":false,"procMount":"Default","readOnlyRootFilesystem":true,
            "allowPrivilegeEscalation":false,"capabilities":{"add":["SYS_NICE"],"drop":["ALL"]}},
           "containers":[{"name":"db","image":"gcr.io/db/postgres:16","securityContext":{"readOnlyRootFilesystem":false}}],
           "initContainers":[{"name":"init","image":"gcr.io/db/postgres:16"}]}}}}
        """#)
    },
]

@Suite struct PatchOracleTests {
    @Test(arguments: oracleManifests)
    func pythonJSONPatchAgreesAndLeavesNothingToFix(_ manifest: SCManifest) throws {
        let object = try manifest.object()
        let result = PolicyEngine.fix(object, policy: .default)
        #expect(!result.patch.operations.isEmpty)

        // The patch travels as JSON, exactly as the webhook sends it.
        let wire = try JSONPatch(jsonText: JSONWriter().string(result.patch.json))
        let patchedByPython = try PythonJSONPatch.apply(wire, to: object)
        #expect(patchedByPython == (try result.patch.applied(to: object)))
        #expect(patchedByPython == result.fixed)

        let after = PolicyEngine.evaluate(patchedByPython, policy: .default)
        let fixable = after.findings.filter { !($0.fix?.operations.isEmpty ?? true) }
        #expect(fixable.isEmpty, "still fixable after the python patch: \(fixable.map(ExpectedRuleFinding.init))")
        #expect(!after.findings.contains { $0.rule.hasPrefix("securityContext.") && $0.action == .deny })
    }

    /// Keys with `/` and `~` (annotation keys) must be escaped in patch paths, or another
    /// implementation applies the operation somewhere else.
    @Test func escapedKeysLandOnTheSameFieldInBothImplementations() throws {
        let object = try SCFixtures.json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"a~b":"x","team/owner":"shop"}},
         "spec":{"containers":[{"name":"a"}]}}
        """#)
        let annotations = JSONPointer.root / "metadata" / "annotations"
        let appArmor = annotations / "container.apparmor.security.beta.kubernetes.io/a"
        let patch = JSONPatch(
            FixBuilder.set("runtime/default", at: appArmor, in: object)
            + FixBuilder.set("y", at: annotations / "a~b", in: object)
            + FixBuilder.remove(annotations / "team/owner", in: object))
        #expect(patch.operations.map(\.path.description) == [
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1a",
            "/metadata/annotations/a~0b",
            "/metadata/annotations/team~1owner",
        ])
        let wire = try JSONPatch(jsonText: JSONWriter().string(patch.json))
        let ours = try wire.applied(to: object)
        #expect(try PythonJSONPatch.apply(wire, to: object) == ours)
        #expect(ours["metadata"]?["annotations"]
                == ["a~b": "y", "container.apparmor.security.beta.kubernetes.io/a": "runtime/default"])
    }

    /// The oracle itself must notice a wrong patch, or agreeing with it proves nothing.
    @Test func theOracleRejectsAPatchForAMissingPath() throws {
        let object: JSONValue = ["spec": ["containers": [["name": "a"]]]]
        #expect(throws: PythonJSONPatch.Failure.self) {
            try PythonJSONPatch.apply(JSONPatch([.remove(JSONPointer.root / "spec" / "containers" / 3)]), to: object)
        }
    }
}

extension JSONPatch {
    /// Reads a patch from its JSON text.
    fileprivate init(jsonText text: String) throws {
        guard let list = try JSONReader().parse(text).arrayValue else {
            throw JSONPatchError.invalidOperation("a patch is an array")
        }
        self.init(try list.map { try PatchOperation(json: $0) })
    }
}
