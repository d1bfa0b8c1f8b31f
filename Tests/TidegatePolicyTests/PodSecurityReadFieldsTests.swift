import Testing
import TidegateJSON
@testable import TidegatePolicy

/// The webhook reads only `ReadFields.object`; every field the standards read must be in it,
/// or a filtered read would pass what a full read refuses.
@Suite("Pod Security Standards: read fields")
struct PodSecurityReadFieldsTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let object: JSONValue
        let version: KubeVersion
        var testDescription: String { name }
    }

    static let noisy: [Tweak] = [
        Tweak("/metadata/managedFields", [["manager": "kubectl", "fieldsV1": ["f:spec": [:]]]]),
        Tweak("\(pssC0)/env", [["name": "A", "value": "b"]]), Tweak("\(pssC0)/resources", ["limits": ["cpu": "1"]]),
    ]

    static let rows: [Row] = [
        Row(name: "every fixable violation", object: try! PodSecurityFixTests.everythingFixable.tweaked(noisy), version: .latest),
        Row(name: "host namespaces, ports, volumes, sysctls, SELinux, hostProcess, probes", object: try! PSSPods.restricted.tweaked(noisy + [
            Tweak("/spec/hostNetwork", true), Tweak("/spec/hostPID", true), Tweak("/spec/hostIPC", true),
            Tweak("\(i0)/ports", [["containerPort": 80, "hostPort": 80]]),
            Tweak("/spec/volumes", [["name": "h", "hostPath": ["path": "/"]], ["name": "n", "nfs": ["server": "s", "path": "/"]]]),
            Tweak("\(psc)/sysctls", [["name": "kernel.msgmax", "value": "1"]]), Tweak("\(psc)/runAsUser", 0),
            Tweak("\(e0)/securityContext/seLinuxOptions", ["type": "spc_t", "user": "u"]),
            Tweak("\(pssC0)/securityContext/windowsOptions/hostProcess", true),
            Tweak("\(pssC0)/livenessProbe", ["httpGet": ["port": 1, "host": "h"]]), Tweak("\(i0)/lifecycle", ["preStop": ["tcpSocket": ["port": 1, "host": "h"]]]),
        ]), version: .latest),
        Row(name: "user namespaces and Windows", object: try! PSSPods.bare.tweaked(noisy + [
            Tweak("/spec/hostUsers", false), Tweak("/spec/os", ["name": "windows"]), Tweak("\(pssC0)/securityContext/procMount", "Unmasked"),
        ]), version: v(34)),
        Row(name: "seccomp annotations", object: try! PSSPods.bare.tweaked(noisy + [
            Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                                            "container.seccomp.security.alpha.kubernetes.io/web": "unconfined"]),
        ]), version: v(18)),
    ]

    @Test(arguments: rows)
    func filteredReadFindsTheSame(_ row: Row) throws {
        let bytes = JSONWriter().bytes(row.object)
        let full = try JSONReader().parse(bytes)
        let filtered = try JSONReader(filter: ReadFields.object).parse(bytes)
        #expect(filtered != full, "the filter should have dropped something")
        for level in [PodSecurityLevel.baseline, .restricted] {
            let a = try pssFindings(full, level, row.version)
            let b = try pssFindings(filtered, level, row.version)
            #expect(a == b)
            if level == .restricted { #expect(!a.isEmpty) }
        }
    }
}
