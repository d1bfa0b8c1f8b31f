import Testing
import TidegateJSON
@testable import TidegatePolicy

@Suite("Pod Security Standards: baseline checks")
struct PodSecurityBaselineTests {
    static let rows: [PSSCase] = [
        PSSCase("a restricted pod meets baseline", [], level: .baseline),
        PSSCase("a pod that sets nothing meets baseline", base: PSSPods.bare, [], level: .baseline),

        // hostNamespaces
        PSSCase("host namespaces set to false pass", [Tweak("/spec/hostNetwork", false), Tweak("/spec/hostPID", false), Tweak("/spec/hostIPC", false)], level: .baseline),
        PSSCase("hostNetwork true fails", [Tweak("/spec/hostNetwork", true)], level: .baseline, expect: ["podSecurity.hostNamespaces /spec/hostNetwork"]),
        PSSCase("hostPID true fails", [Tweak("/spec/hostPID", true)], level: .baseline, expect: ["podSecurity.hostNamespaces /spec/hostPID"]),
        PSSCase("hostIPC true fails", [Tweak("/spec/hostIPC", true)], level: .baseline, expect: ["podSecurity.hostNamespaces /spec/hostIPC"]),

        // privileged
        PSSCase("privileged false passes", [Tweak("\(pssC0)/securityContext/privileged", false)], level: .baseline),
        PSSCase("a privileged container fails", [Tweak("\(pssC0)/securityContext/privileged", true)], level: .baseline,
                expect: ["podSecurity.privileged \(pssC0)/securityContext/privileged"]),
        PSSCase("a privileged initContainer fails", [Tweak("\(i0)/securityContext/privileged", true)], level: .baseline,
                expect: ["podSecurity.privileged \(i0)/securityContext/privileged"]),
        PSSCase("a privileged ephemeralContainer fails", [Tweak("\(e0)/securityContext/privileged", true)], level: .baseline,
                expect: ["podSecurity.privileged \(e0)/securityContext/privileged"]),

        // capabilities_baseline
        PSSCase("adding all thirteen default capabilities passes",
                [Tweak("\(pssC0)/securityContext/capabilities/add", ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"])],
                level: .baseline),
        PSSCase("adding SYS_ADMIN fails", [Tweak("\(i0)/securityContext/capabilities/add", ["CHOWN", "SYS_ADMIN"])], level: .baseline,
                expect: ["podSecurity.capabilities_baseline \(i0)/securityContext/capabilities/add"]),
        PSSCase("capability names are case-sensitive", [Tweak("\(pssC0)/securityContext/capabilities/add", ["chown"])], level: .baseline,
                expect: ["podSecurity.capabilities_baseline \(pssC0)/securityContext/capabilities/add"]),
        PSSCase("a CAP_ prefix is not the same capability", [Tweak("\(e0)/securityContext/capabilities/add", ["CAP_KILL"])], level: .baseline,
                expect: ["podSecurity.capabilities_baseline \(e0)/securityContext/capabilities/add"]),

        // hostPathVolumes
        PSSCase("an emptyDir volume passes", [Tweak("/spec/volumes", [["name": "tmp", "emptyDir": [:]]])], level: .baseline),
        PSSCase("a hostPath volume fails", [Tweak("/spec/volumes", [["name": "tmp", "emptyDir": [:]], ["name": "host", "hostPath": ["path": "/var/run"]]])],
                level: .baseline, expect: ["podSecurity.hostPathVolumes /spec/volumes/1/hostPath"]),

        // hostPorts
        PSSCase("a containerPort without hostPort passes", [Tweak("\(pssC0)/ports", [["containerPort": 8080]])], level: .baseline),
        PSSCase("hostPort 0 passes", [Tweak("\(pssC0)/ports", [["containerPort": 8080, "hostPort": 0]])], level: .baseline),
        PSSCase("a hostPort fails", [Tweak("\(i0)/ports", [["containerPort": 53], ["containerPort": 8080, "hostPort": 8080]])], level: .baseline,
                expect: ["podSecurity.hostPorts \(i0)/ports/1/hostPort"]),

        // appArmorProfile
        PSSCase("AppArmor RuntimeDefault and Localhost pass",
                [Tweak("\(psc)/appArmorProfile", ["type": "RuntimeDefault"]),
                 Tweak("\(pssC0)/securityContext/appArmorProfile", ["type": "Localhost", "localhostProfile": "web"])], level: .baseline),
        PSSCase("AppArmor Unconfined on the pod fails", [Tweak("\(psc)/appArmorProfile", ["type": "Unconfined"])], level: .baseline,
                expect: ["podSecurity.appArmorProfile \(psc)/appArmorProfile/type"]),
        PSSCase("AppArmor Unconfined on an ephemeralContainer fails", [Tweak("\(e0)/securityContext/appArmorProfile", ["type": "Unconfined"])], level: .baseline,
                expect: ["podSecurity.appArmorProfile \(e0)/securityContext/appArmorProfile/type"]),
        PSSCase("AppArmor annotations runtime/default, localhost/* and empty pass",
                [Tweak("/metadata/annotations", ["container.apparmor.security.beta.kubernetes.io/web": "runtime/default",
                                                 "container.apparmor.security.beta.kubernetes.io/init": "localhost/strict",
                                                 "container.apparmor.security.beta.kubernetes.io/debug": ""])], level: .baseline),
        PSSCase("an unconfined AppArmor annotation fails",
                [Tweak("/metadata/annotations", ["container.apparmor.security.beta.kubernetes.io/web": "unconfined"])], level: .baseline,
                expect: ["podSecurity.appArmorProfile /metadata/annotations/container.apparmor.security.beta.kubernetes.io~1web"]),

        // seLinuxOptions
        PSSCase("the container SELinux types pass",
                [Tweak("\(psc)/seLinuxOptions", ["type": "container_t", "level": "s0:c123,c456"]),
                 Tweak("\(pssC0)/securityContext/seLinuxOptions", ["type": "container_init_t"]),
                 Tweak("\(i0)/securityContext/seLinuxOptions", ["type": "container_kvm_t"]),
                 Tweak("\(e0)/securityContext/seLinuxOptions", ["type": "", "user": "", "role": ""])], level: .baseline),
        PSSCase("SELinux type spc_t on the pod fails", [Tweak("\(psc)/seLinuxOptions", ["type": "spc_t"])], level: .baseline,
                expect: ["podSecurity.seLinuxOptions \(psc)/seLinuxOptions/type"]),
        PSSCase("an SELinux user and role on a container fail", [Tweak("\(pssC0)/securityContext/seLinuxOptions", ["user": "system_u", "role": "system_r"])],
                level: .baseline,
                expect: ["podSecurity.seLinuxOptions \(pssC0)/securityContext/seLinuxOptions/user",
                         "podSecurity.seLinuxOptions \(pssC0)/securityContext/seLinuxOptions/role"]),

        // procMount
        PSSCase("procMount Default passes", [Tweak("\(pssC0)/securityContext/procMount", "Default")], level: .baseline),
        PSSCase("procMount Unmasked fails", [Tweak("\(i0)/securityContext/procMount", "Unmasked")], level: .baseline,
                expect: ["podSecurity.procMount \(i0)/securityContext/procMount"]),

        // seccompProfile_baseline
        PSSCase("seccomp Localhost passes baseline", [Tweak("\(pssC0)/securityContext/seccompProfile", ["type": "Localhost", "localhostProfile": "p.json"])], level: .baseline),
        PSSCase("seccomp Unconfined on the pod fails", [Tweak("\(psc)/seccompProfile", ["type": "Unconfined"])], level: .baseline,
                expect: ["podSecurity.seccompProfile_baseline \(psc)/seccompProfile/type"]),
        PSSCase("seccomp Unconfined on a container fails", [Tweak("\(e0)/securityContext/seccompProfile", ["type": "Unconfined"])], level: .baseline,
                expect: ["podSecurity.seccompProfile_baseline \(e0)/securityContext/seccompProfile/type"]),

        // sysctls
        PSSCase("the five original safe sysctls pass",
                [Tweak("\(psc)/sysctls", [["name": "kernel.shm_rmid_forced", "value": "1"], ["name": "net.ipv4.ip_local_port_range", "value": "1024 65535"],
                                           ["name": "net.ipv4.tcp_syncookies", "value": "1"], ["name": "net.ipv4.ping_group_range", "value": "0 1"],
                                           ["name": "net.ipv4.ip_unprivileged_port_start", "value": "80"]])], level: .baseline),
        PSSCase("an unsafe sysctl fails", [Tweak("\(psc)/sysctls", [["name": "net.ipv4.tcp_syncookies", "value": "1"], ["name": "kernel.msgmax", "value": "65536"]])],
                level: .baseline, expect: ["podSecurity.sysctls \(psc)/sysctls/1/name"]),

        // windowsHostProcess
        PSSCase("hostProcess false passes", [Tweak("\(psc)/windowsOptions/hostProcess", false)], level: .baseline),
        PSSCase("hostProcess on the pod fails", [Tweak("\(psc)/windowsOptions/hostProcess", true)], level: .baseline,
                expect: ["podSecurity.windowsHostProcess \(psc)/windowsOptions/hostProcess"]),
        PSSCase("hostProcess on an initContainer fails", [Tweak("\(i0)/securityContext/windowsOptions", ["hostProcess": true])], level: .baseline,
                expect: ["podSecurity.windowsHostProcess \(i0)/securityContext/windowsOptions/hostProcess"]),

        // hostProbesAndHostLifecycle
        PSSCase("probes and hooks without a host pass",
                [Tweak("\(pssC0)/livenessProbe", ["httpGet": ["path": "/healthz", "port": 8080, "host": ""]]),
                 Tweak("\(pssC0)/lifecycle", ["preStop": ["httpGet": ["path": "/stop", "port": 8080]]])], level: .baseline),
        PSSCase("a probe or hook host fails",
                [Tweak("\(pssC0)/livenessProbe", ["httpGet": ["path": "/healthz", "port": 8080, "host": "10.0.0.1"]]),
                 Tweak("\(pssC0)/readinessProbe", ["tcpSocket": ["port": 8080, "host": "db.internal"]]),
                 Tweak("\(i0)/startupProbe", ["httpGet": ["port": 1, "host": "metadata.google.internal"]]),
                 Tweak("\(e0)/lifecycle", ["postStart": ["tcpSocket": ["port": 22, "host": "10.0.0.2"]], "preStop": ["httpGet": ["port": 80, "host": "x"]]])],
                level: .baseline,
                expect: ["podSecurity.hostProbesAndHostLifecycle \(pssC0)/livenessProbe/httpGet/host",
                         "podSecurity.hostProbesAndHostLifecycle \(pssC0)/readinessProbe/tcpSocket/host",
                         "podSecurity.hostProbesAndHostLifecycle \(i0)/startupProbe/httpGet/host",
                         "podSecurity.hostProbesAndHostLifecycle \(e0)/lifecycle/postStart/tcpSocket/host",
                         "podSecurity.hostProbesAndHostLifecycle \(e0)/lifecycle/preStop/httpGet/host"]),

        // Restricted rules do not bite at baseline.
        PSSCase("runAsUser 0, escalation and no dropped capabilities pass baseline",
                [Tweak("\(psc)/runAsUser", 0), Tweak("\(pssC0)/securityContext", ["allowPrivilegeEscalation": true]),
                 Tweak("/spec/volumes", [["name": "nfs", "nfs": ["server": "x", "path": "/"]]])], level: .baseline),
    ]

    @Test(arguments: rows)
    func baseline(_ row: PSSCase) throws { try checkRow(row) }

    @Test func messagesReadLikePodSecurityAdmission() throws {
        let object = try PSSPods.restricted.tweaked([
            Tweak("\(pssC0)/securityContext/privileged", true), Tweak("/spec/hostNetwork", true),
            Tweak("\(pssC0)/securityContext/capabilities/add", ["SYS_ADMIN", "NET_RAW", "CHOWN"]),
            Tweak("\(i0)/ports", [["containerPort": 80, "hostPort": 80]]),
        ])
        let messages = try pssFindings(object, .baseline).map(\.message)
        #expect(messages == [
            "host namespaces (pod must not set hostNetwork=true)",
            "container \"web\": privileged (must not set securityContext.privileged=true)",
            "container \"web\": non-default capabilities (must not include \"SYS_ADMIN\", \"NET_RAW\" in securityContext.capabilities.add)",
            "initContainer \"init\": hostPort (must not use hostPort 80)",
        ])
    }

    @Test func capabilityFixKeepsTheAllowedOnes() throws {
        let object = try PSSPods.restricted.tweaked([Tweak("\(pssC0)/securityContext/capabilities/add", ["SYS_ADMIN", "CHOWN"])])
        let fix = try #require(try pssFindings(object, .baseline).first?.fix)
        let fixed = try JSONPatch(fix.operations).applied(to: object)
        #expect(fixed.value(at: JSONPointer("\(pssC0)/securityContext/capabilities/add")!) == ["CHOWN"])
    }

    @Test func unfixableRulesOfferNoFix() throws {
        let object = try PSSPods.restricted.tweaked([
            Tweak("/spec/hostPID", true), Tweak("\(pssC0)/ports", [["containerPort": 80, "hostPort": 80]]),
            Tweak("/spec/volumes", [["name": "h", "hostPath": ["path": "/"]]]),
            Tweak("\(psc)/sysctls", [["name": "kernel.msgmax", "value": "1"]]),
        ])
        let findings = try pssFindings(object, .baseline)
        #expect(findings.count == 4)
        #expect(findings.allSatisfy { $0.fix == nil })
    }

    /// The apiserver takes the last of a repeated name; so must the standards, or a manifest
    /// could show them one value and Kubernetes another.
    @Test func aRepeatedNameIsReadAsItsLastValue() throws {
        let text = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":false,"hostPID":true,"#
            + #""containers":[{"name":"web","image":"x","securityContext":{"privileged":false,"privileged":true}}]}}"#
        let object = try JSONReader().parse(Array(text.utf8))
        #expect(keys(try pssFindings(object, .baseline)) == [
            "podSecurity.hostNamespaces /spec/hostPID", "podSecurity.privileged /spec/containers/0/securityContext/privileged",
        ])
    }

    @Test func aHugeValueIsQuotedShort() throws {
        let host = String(repeating: "h", count: 100_000)
        let object = try PSSPods.restricted.tweaked([Tweak("\(pssC0)/livenessProbe", ["httpGet": ["port": 1, "host": .string(host)]])])
        let message = try #require(try pssFindings(object, .baseline).first?.message)
        #expect(message.utf8.count < 400, "\(message.prefix(200))")
        #expect(message.contains("(100000 bytes)"))
    }
}
