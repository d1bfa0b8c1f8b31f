import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Each check at the version before and the version of every change pod-security-admission
/// made to it.
@Suite("Pod Security Standards: versions")
struct PodSecurityVersionTests {
    static func sysctl(_ name: String) -> [Tweak] { [Tweak("\(psc)/sysctls", [["name": .string(name), "value": "1"]])] }
    static let userNamespace = Tweak("/spec/hostUsers", false)
    static let seccompAnnotation = "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"

    static let rows: [PSSCase] = [
        // sysctls: the safe list grows.
        PSSCase("ip_local_reserved_ports is unsafe at v1.26", sysctl("net.ipv4.ip_local_reserved_ports"), level: .baseline, version: v(26),
                expect: ["podSecurity.sysctls \(psc)/sysctls/0/name"]),
        PSSCase("ip_local_reserved_ports is safe from v1.27", sysctl("net.ipv4.ip_local_reserved_ports"), level: .baseline, version: v(27)),
        PSSCase("tcp_keepalive_time is unsafe at v1.28", sysctl("net.ipv4.tcp_keepalive_time"), level: .baseline, version: v(28),
                expect: ["podSecurity.sysctls \(psc)/sysctls/0/name"]),
        PSSCase("tcp_keepalive_time is safe from v1.29", sysctl("net.ipv4.tcp_keepalive_time"), level: .baseline, version: v(29)),
        PSSCase("tcp_fin_timeout is safe from v1.29", sysctl("net.ipv4.tcp_fin_timeout"), level: .baseline, version: v(29)),
        PSSCase("tcp_keepalive_intvl is safe from v1.29", sysctl("net.ipv4.tcp_keepalive_intvl"), level: .baseline, version: v(29)),
        PSSCase("tcp_keepalive_probes is safe from v1.29", sysctl("net.ipv4.tcp_keepalive_probes"), level: .baseline, version: v(29)),
        PSSCase("tcp_rmem is unsafe at v1.31", sysctl("net.ipv4.tcp_rmem"), level: .baseline, version: v(31),
                expect: ["podSecurity.sysctls \(psc)/sysctls/0/name"]),
        PSSCase("tcp_rmem is safe from v1.32", sysctl("net.ipv4.tcp_rmem"), level: .baseline, version: v(32)),
        PSSCase("tcp_wmem is safe from v1.32", sysctl("net.ipv4.tcp_wmem"), level: .baseline, version: v(32)),
        PSSCase("tcp_wmem is safe at latest", sysctl("net.ipv4.tcp_wmem"), level: .baseline),

        // seLinuxOptions: container_engine_t from v1.31.
        PSSCase("container_engine_t is forbidden at v1.30", [Tweak("\(pssC0)/securityContext/seLinuxOptions/type", "container_engine_t")],
                level: .baseline, version: v(30), expect: ["podSecurity.seLinuxOptions \(pssC0)/securityContext/seLinuxOptions/type"]),
        PSSCase("container_engine_t is allowed from v1.31", [Tweak("\(pssC0)/securityContext/seLinuxOptions/type", "container_engine_t")],
                level: .baseline, version: v(31)),

        // hostProbesAndHostLifecycle: new in v1.34.
        PSSCase("a probe host is not checked at v1.33", [Tweak("\(pssC0)/livenessProbe", ["tcpSocket": ["port": 1, "host": "10.0.0.1"]])],
                level: .baseline, version: v(33)),
        PSSCase("a probe host fails from v1.34", [Tweak("\(pssC0)/livenessProbe", ["tcpSocket": ["port": 1, "host": "10.0.0.1"]])],
                level: .baseline, version: v(34), expect: ["podSecurity.hostProbesAndHostLifecycle \(pssC0)/livenessProbe/tcpSocket/host"]),

        // procMount and user namespaces: v1.35.
        PSSCase("Unmasked /proc in a user namespace fails baseline at v1.34", [userNamespace, Tweak("\(pssC0)/securityContext/procMount", "Unmasked")],
                level: .baseline, version: v(34), expect: ["podSecurity.procMount \(pssC0)/securityContext/procMount"]),
        PSSCase("Unmasked /proc in a user namespace passes baseline from v1.35", [userNamespace, Tweak("\(pssC0)/securityContext/procMount", "Unmasked")],
                level: .baseline, version: v(35)),
        PSSCase("Unmasked /proc with hostUsers true still fails baseline at v1.35",
                [Tweak("/spec/hostUsers", true), Tweak("\(pssC0)/securityContext/procMount", "Unmasked")],
                level: .baseline, version: v(35), expect: ["podSecurity.procMount \(pssC0)/securityContext/procMount"]),
        PSSCase("Unmasked /proc in a user namespace fails restricted at v1.34 through the baseline rule",
                [userNamespace, Tweak("\(pssC0)/securityContext/procMount", "Unmasked")],
                level: .restricted, version: v(34), expect: ["podSecurity.procMount \(pssC0)/securityContext/procMount"]),
        PSSCase("Unmasked /proc in a user namespace fails restricted from v1.35 through the restricted rule",
                [userNamespace, Tweak("\(pssC0)/securityContext/procMount", "Unmasked")],
                level: .restricted, version: v(35), expect: ["podSecurity.procMount_restricted \(pssC0)/securityContext/procMount"]),

        // runAsNonRoot and runAsUser: user namespaces exempt from v1.35.
        PSSCase("a user-namespace pod without runAsNonRoot fails at v1.34", [userNamespace, Tweak("\(psc)/runAsNonRoot", nil)],
                level: .restricted, version: v(34),
                expect: ["podSecurity.runAsNonRoot \(pssC0)/securityContext/runAsNonRoot", "podSecurity.runAsNonRoot \(i0)/securityContext/runAsNonRoot",
                         "podSecurity.runAsNonRoot \(e0)/securityContext/runAsNonRoot"]),
        PSSCase("a user-namespace pod without runAsNonRoot passes from v1.35", [userNamespace, Tweak("\(psc)/runAsNonRoot", false)],
                level: .restricted, version: v(35)),
        PSSCase("a user-namespace pod running as uid 0 fails at v1.34", [userNamespace, Tweak("\(psc)/runAsUser", 0)],
                level: .restricted, version: v(34), expect: ["podSecurity.runAsUser \(psc)/runAsUser"]),
        PSSCase("a user-namespace pod running as uid 0 passes from v1.35", [userNamespace, Tweak("\(psc)/runAsUser", 0), Tweak("\(pssC0)/securityContext/runAsUser", 0)],
                level: .restricted, version: v(35)),
        PSSCase("user namespaces do not relax capabilities", [userNamespace, Tweak("\(pssC0)/securityContext/capabilities/add", ["SYS_ADMIN"])],
                level: .restricted, version: v(35), expect: ["podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/add"]),

        // runAsUser: new in v1.23.
        PSSCase("runAsUser 0 is not checked at v1.22", [Tweak("\(psc)/runAsUser", 0)], level: .restricted, version: v(22)),
        PSSCase("runAsUser 0 fails from v1.23", [Tweak("\(psc)/runAsUser", 0)], level: .restricted, version: v(23),
                expect: ["podSecurity.runAsUser \(psc)/runAsUser"]),

        // allowPrivilegeEscalation: new in v1.8.
        PSSCase("allowPrivilegeEscalation is not checked at v1.7", [Tweak("\(pssC0)/securityContext/allowPrivilegeEscalation", true)],
                level: .restricted, version: v(7)),
        PSSCase("allowPrivilegeEscalation fails from v1.8", [Tweak("\(pssC0)/securityContext/allowPrivilegeEscalation", true)],
                level: .restricted, version: v(8), expect: ["podSecurity.allowPrivilegeEscalation \(pssC0)/securityContext/allowPrivilegeEscalation"]),

        // capabilities: restricted from v1.22; before that restricted uses the baseline list.
        PSSCase("restricted at v1.21 does not require drop ALL", [Tweak("\(pssC0)/securityContext/capabilities", [:])], level: .restricted, version: v(21)),
        PSSCase("restricted at v1.21 allows the baseline default capabilities", [Tweak("\(pssC0)/securityContext/capabilities/add", ["CHOWN"])],
                level: .restricted, version: v(21)),
        PSSCase("restricted at v1.21 refuses SYS_ADMIN through the baseline rule", [Tweak("\(pssC0)/securityContext/capabilities/add", ["SYS_ADMIN"])],
                level: .restricted, version: v(21), expect: ["podSecurity.capabilities_baseline \(pssC0)/securityContext/capabilities/add"]),
        PSSCase("restricted from v1.22 requires drop ALL", [Tweak("\(pssC0)/securityContext/capabilities", [:])], level: .restricted, version: v(22),
                expect: ["podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/drop"]),
        PSSCase("restricted from v1.22 refuses CHOWN", [Tweak("\(pssC0)/securityContext/capabilities/add", ["CHOWN"])], level: .restricted, version: v(22),
                expect: ["podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/add"]),

        // seccomp: annotations before v1.19, fields from v1.19.
        PSSCase("an unconfined seccomp annotation fails baseline at v1.18", [Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "unconfined"])],
                level: .baseline, version: v(18), expect: ["podSecurity.seccompProfile_baseline \(seccompAnnotation)"]),
        PSSCase("seccomp annotations runtime/default, docker/default and localhost/* pass at v1.18",
                [Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "docker/default",
                                                 "container.seccomp.security.alpha.kubernetes.io/web": "runtime/default",
                                                 "container.seccomp.security.alpha.kubernetes.io/init": "localhost/p.json"])],
                level: .baseline, version: v(18)),
        PSSCase("an unconfined container seccomp annotation fails at v1.18",
                [Tweak("/metadata/annotations", ["container.seccomp.security.alpha.kubernetes.io/debug": "unconfined",
                                                 "container.seccomp.security.alpha.kubernetes.io/web2": "unconfined"])],
                level: .baseline, version: v(18),
                expect: ["podSecurity.seccompProfile_baseline /metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1debug"]),
        PSSCase("the seccomp annotation is not read from v1.19", [Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "unconfined"])],
                level: .baseline, version: v(19)),
        PSSCase("the seccomp field is not read at v1.18", [Tweak("\(psc)/seccompProfile", ["type": "Unconfined"])], level: .baseline, version: v(18)),
        PSSCase("restricted at v1.18 does not require a seccomp profile", [Tweak(psc, ["runAsNonRoot": true])], level: .restricted, version: v(18)),
        PSSCase("restricted at v1.18 refuses an unconfined annotation through the baseline rule",
                [Tweak("/metadata/annotations", ["seccomp.security.alpha.kubernetes.io/pod": "unconfined"])],
                level: .restricted, version: v(18), expect: ["podSecurity.seccompProfile_baseline \(seccompAnnotation)"]),
        PSSCase("restricted from v1.19 requires a seccomp profile", [Tweak(psc, ["runAsNonRoot": true])], level: .restricted, version: v(19),
                expect: ["podSecurity.seccompProfile_restricted \(pssC0)/securityContext/seccompProfile",
                         "podSecurity.seccompProfile_restricted \(i0)/securityContext/seccompProfile",
                         "podSecurity.seccompProfile_restricted \(e0)/securityContext/seccompProfile"]),

        // Checks that never changed run from v1.0.
        PSSCase("privileged fails at v1.0", [Tweak("\(pssC0)/securityContext/privileged", true)], level: .baseline, version: .v1_0,
                expect: ["podSecurity.privileged \(pssC0)/securityContext/privileged"]),
        PSSCase("an image volume passes restricted at v1.0", [Tweak("/spec/volumes", [["name": "i", "image": ["reference": "r"]]])],
                level: .restricted, version: .v1_0),
    ]

    @Test(arguments: rows)
    func atVersion(_ row: PSSCase) throws { try checkRow(row) }

    static let windowsBare: JSONValue = [
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "w"],
        "spec": ["os": ["name": "windows"], "containers": [["name": "iis", "image": "mcr.microsoft.com/iis:1"]]],
    ]

    static let windowsRows: [PSSCase] = [
        PSSCase("a Windows pod must still meet the Linux-only restricted rules at v1.24", base: windowsBare, [Tweak("/spec/securityContext/runAsNonRoot", true)],
                level: .restricted, version: v(24),
                expect: ["podSecurity.allowPrivilegeEscalation \(pssC0)/securityContext/allowPrivilegeEscalation",
                         "podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/drop",
                         "podSecurity.seccompProfile_restricted \(pssC0)/securityContext/seccompProfile"]),
        PSSCase("a Windows pod is exempt from seccomp, capabilities and escalation from v1.25", base: windowsBare,
                [Tweak("/spec/securityContext/runAsNonRoot", true)], level: .restricted, version: v(25)),
        PSSCase("a Windows pod still needs runAsNonRoot", base: windowsBare, [], level: .restricted,
                expect: ["podSecurity.runAsNonRoot \(pssC0)/securityContext/runAsNonRoot"]),
        PSSCase("a Windows HostProcess pod fails baseline", base: windowsBare, [Tweak("/spec/securityContext/windowsOptions", ["hostProcess": true]), Tweak("/spec/hostNetwork", true)],
                level: .baseline,
                expect: ["podSecurity.hostNamespaces /spec/hostNetwork", "podSecurity.windowsHostProcess /spec/securityContext/windowsOptions/hostProcess"]),
        PSSCase("a Linux pod gets no exemption", base: PSSPods.bare, [Tweak("/spec/os/name", "linux"), Tweak("/spec/securityContext/runAsNonRoot", true)],
                level: .restricted,
                expect: ["podSecurity.allowPrivilegeEscalation \(pssC0)/securityContext/allowPrivilegeEscalation",
                         "podSecurity.capabilities_restricted \(pssC0)/securityContext/capabilities/drop",
                         "podSecurity.seccompProfile_restricted \(pssC0)/securityContext/seccompProfile"]),
    ]

    @Test(arguments: windowsRows)
    func windows(_ row: PSSCase) throws { try checkRow(row) }

    @Test func versionsAreOrderedAndEveryCheckHasOne() {
        for check in PodSecurity.checks {
            #expect(!check.versions.isEmpty)
            #expect(zip(check.versions, check.versions.dropFirst()).allSatisfy { $0.since < $1.since }, "\(check.id)")
        }
        #expect(Set(PodSecurity.checks.map(\.id)).count == PodSecurity.checks.count)
    }

    @Test func overridesNameBaselineChecks() {
        let baseline = Set(PodSecurity.checks.filter { $0.level == .baseline }.map(\.id))
        let overrides = PodSecurity.checks.compactMap(\.overrides)
        #expect(overrides.sorted() == ["capabilities_baseline", "hostPathVolumes", "procMount", "seccompProfile_baseline"])
        #expect(overrides.allSatisfy(baseline.contains))
    }
}
