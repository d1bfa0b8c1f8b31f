import Testing
import TidegateJSON
@testable import TidegatePolicy

/// Cases for the rules that carry Pod Security Policy parameters (off by default): sysctls,
/// hostNetwork, hostNamespaces, hostPorts, procMount, volumeTypes.
private func enabled(_ change: (inout SecurityContextRules) -> Void) -> Policy {
    var p = Policy.default
    change(&p.securityContext)
    return p
}

private func container(_ body: String) -> String {
    #"{"containers":[{"name":"app","image":"x"\#(body)}]}"#
}

let hostRuleCases: [RuleCase] = {
    let sysctl = RuleID.sysctls
    let kernelForbidden = enabled { $0.sysctls = .deny; $0.forbiddenSysctls = ["kernel.*"] }
    let onlyNet = enabled { $0.sysctls = .deny; $0.allowedSysctls = ["net.ipv4.tcp_syncookies"] }
    let sysctls = #"{"securityContext":{"sysctls":[{"name":"kernel.msgmax","value":"1"},{"name":"net.ipv4.tcp_syncookies","value":"1"}]},"containers":[{"name":"app","image":"x"}]}"#
    let ports = enabled { $0.hostPorts = .deny; $0.allowedHostPorts = ["80-9000"] }
    let volumes = enabled { $0.volumeTypes = .deny; $0.allowedVolumeTypes = ["configMap", "emptyDir"] }
    let volumeSpec = #"{"volumes":[{"name":"a","emptyDir":{}},{"name":"b","hostPath":{"path":"/"}}],"containers":[{"name":"app","image":"x"}]}"#
    return [
        RuleCase(name: "a forbidden prefix denies the matching sysctl only", rule: sysctl, spec: sysctls, policy: kernelForbidden,
                 expected: [ExpectedRuleFinding(sysctl, .deny, "/spec/securityContext/sysctls/0/name", fixable: false)]),
        RuleCase(name: "a sysctl outside the allowed list is denied", rule: sysctl, spec: sysctls, policy: onlyNet,
                 expected: [ExpectedRuleFinding(sysctl, .deny, "/spec/securityContext/sysctls/0/name", fixable: false)]),
        RuleCase(name: "forbidden wins over an allowed wildcard", rule: sysctl, spec: sysctls,
                 policy: enabled { $0.sysctls = .deny; $0.forbiddenSysctls = ["*"]; $0.allowedSysctls = ["*"] },
                 expected: [ExpectedRuleFinding(sysctl, .deny, "/spec/securityContext/sysctls/0/name", fixable: false),
                            ExpectedRuleFinding(sysctl, .deny, "/spec/securityContext/sysctls/1/name", fixable: false)]),
        RuleCase(name: "hostNetwork true is reported", rule: RuleID.hostNetwork,
                 spec: #"{"hostNetwork":true,"containers":[{"name":"app","image":"x"}]}"#,
                 policy: enabled { $0.hostNetwork = .deny },
                 expected: [ExpectedRuleFinding(RuleID.hostNetwork, .deny, "/spec/hostNetwork", fixable: false)]),
        RuleCase(name: "hostNetwork false passes", rule: RuleID.hostNetwork,
                 spec: #"{"hostNetwork":false,"containers":[{"name":"app","image":"x"}]}"#,
                 policy: enabled { $0.hostNetwork = .deny }, expected: []),
        RuleCase(name: "hostPID and hostIPC are each reported and fixable", rule: RuleID.hostNamespaces,
                 spec: #"{"hostPID":true,"hostIPC":true,"containers":[{"name":"app","image":"x"}]}"#,
                 policy: enabled { $0.hostNamespaces = .warn },
                 expected: [ExpectedRuleFinding(RuleID.hostNamespaces, .warn, "/spec/hostPID"),
                            ExpectedRuleFinding(RuleID.hostNamespaces, .warn, "/spec/hostIPC")]),
        RuleCase(name: "a host port below the range is denied, one inside passes", rule: RuleID.hostPorts,
                 spec: container(#","ports":[{"containerPort":80,"hostPort":22},{"containerPort":81,"hostPort":8080}]"#),
                 policy: ports,
                 expected: [ExpectedRuleFinding(RuleID.hostPorts, .deny, "/spec/containers/0/ports/0/hostPort", fixable: false)]),
        RuleCase(name: "hostPort 0 means no host port", rule: RuleID.hostPorts,
                 spec: container(#","ports":[{"containerPort":80,"hostPort":0}]"#), policy: ports, expected: []),
        RuleCase(name: "procMount Unmasked is denied with a removal fix", rule: RuleID.procMount,
                 spec: container(#","securityContext":{"procMount":"Unmasked"}"#), policy: enabled { $0.procMount = .deny },
                 expected: [ExpectedRuleFinding(RuleID.procMount, .deny, "/spec/containers/0/securityContext/procMount")]),
        RuleCase(name: "procMount Default passes", rule: RuleID.procMount,
                 spec: container(#","securityContext":{"procMount":"Default"}"#), policy: enabled { $0.procMount = .deny },
                 expected: []),
        RuleCase(name: "a volume type outside the list is denied", rule: RuleID.volumeTypes, spec: volumeSpec, policy: volumes,
                 expected: [ExpectedRuleFinding(RuleID.volumeTypes, .deny, "/spec/volumes/1/hostPath", fixable: false)]),
        RuleCase(name: "* allows every volume type", rule: RuleID.volumeTypes, spec: volumeSpec,
                 policy: enabled { $0.volumeTypes = .deny; $0.allowedVolumeTypes = ["*"] }, expected: []),
    ]
}()

@Suite struct HostPortRangeTests {
    @Test(arguments: [("80-9000", 80, 9000), ("1024-", 1024, 65535), ("-9000", 1, 9000), ("8080", 8080, 8080)])
    func rangesParse(_ text: String, _ lower: Int, _ upper: Int) {
        #expect(HostPortRange(text) == HostPortRange(lower: lower, upper: upper))
    }

    @Test(arguments: ["", "-", "9000-80", "0-80", "80-70000", "a-b", "1-2-3"])
    func malformedRangesAreRefused(_ text: String) {
        #expect(HostPortRange(text) == nil)
    }
}

extension HostPortRange {
    init(lower: Int, upper: Int) {
        self = HostPortRange("\(lower)-\(upper)")!
    }
}

let hostPathCases: [RuleCase] = {
    let r = RuleID.hostPaths
    let policy = enabled { $0.hostPaths = .deny; $0.allowedHostPaths = ["/data"]; $0.readOnlyHostPaths = ["/foo"] }
    func spec(_ path: String, readOnly: Bool) -> String {
        #"{"volumes":[{"name":"h","hostPath":{"path":"\#(path)"}}],"containers":[{"name":"app","image":"x","volumeMounts":[{"name":"h","mountPath":"/m","readOnly":\#(readOnly)}]}]}"#
    }
    let deny = [ExpectedRuleFinding(r, .deny, "/spec/volumes/0/hostPath/path", fixable: false)]
    return [
        RuleCase(name: "a path under an allowed prefix passes", rule: r, spec: spec("/data/x", readOnly: false), policy: policy, expected: []),
        RuleCase(name: "prefixes compare whole segments", rule: r, spec: spec("/database", readOnly: false), policy: policy, expected: deny),
        RuleCase(name: "a read-only prefix mounted read-only passes", rule: r, spec: spec("/foo/bar", readOnly: true), policy: policy, expected: []),
        RuleCase(name: "a read-only prefix mounted writable is denied", rule: r, spec: spec("/foo/bar", readOnly: false), policy: policy, expected: deny),
        RuleCase(name: "no allowed paths denies every hostPath", rule: r, spec: spec("/data", readOnly: true),
                 policy: enabled { $0.hostPaths = .deny }, expected: deny),
    ]
}()

let securityProfileCases: [RuleCase] = {
    let seccomp = RuleID.seccompProfile, apparmor = RuleID.appArmorProfile
    func spec(podSC: String = "{}", sc: String = "{}") -> String {
        #"{"securityContext":\#(podSC),"containers":[{"name":"app","image":"x","securityContext":\#(sc)}]}"#
    }
    return [
        RuleCase(name: "a localhost file outside the list is denied", rule: seccomp,
                 spec: spec(sc: #"{"seccompProfile":{"type":"Localhost","localhostProfile":"bad.json"}}"#), policy: seccompPolicy,
                 expected: [ExpectedRuleFinding(seccomp, .deny, "/spec/containers/0/securityContext/seccompProfile", fixable: false)]),
        RuleCase(name: "a listed localhost file passes", rule: seccomp,
                 spec: spec(sc: #"{"seccompProfile":{"type":"Localhost","localhostProfile":"good.json"}}"#), policy: seccompPolicy,
                 expected: []),
        RuleCase(name: "no seccomp profile is denied unless * is allowed", rule: seccomp, spec: spec(), policy: seccompPolicy,
                 expected: [ExpectedRuleFinding(seccomp, .deny, "/spec/containers/0/securityContext/seccompProfile", fixable: false)]),
        RuleCase(name: "a container AppArmor field overrides an unconfined pod field", rule: apparmor,
                 spec: spec(podSC: #"{"appArmorProfile":{"type":"Unconfined"}}"#, sc: #"{"appArmorProfile":{"type":"RuntimeDefault"}}"#),
                 policy: appArmorPolicy, expected: []),
        RuleCase(name: "an unconfined pod AppArmor field is denied", rule: apparmor,
                 spec: spec(podSC: #"{"appArmorProfile":{"type":"Unconfined"}}"#), policy: appArmorPolicy,
                 expected: [ExpectedRuleFinding(apparmor, .deny, "/spec/securityContext/appArmorProfile", fixable: false)]),
    ]
}()

private let seccompPolicy = enabled { $0.seccompProfile = .deny; $0.allowedSeccompProfiles = ["runtime/default", "localhost/good.json"] }
private let appArmorPolicy = enabled { $0.appArmorProfile = .deny; $0.allowedAppArmorProfiles = ["runtime/default", "localhost/*"] }

/// Profiles set by the older annotations, which live in the pod's metadata.
@Suite struct SecurityProfileAnnotationTests {
    func findings(_ annotations: String, sc: String = "{}", policy: Policy) throws -> [String] {
        let pod = try JSONReader().parse(#"{"kind":"Pod","metadata":{"name":"p","annotations":\#(annotations)},"spec":{"containers":[{"name":"app","image":"x","securityContext":\#(sc)}]}}"#)
        return PolicyEngine.evaluate(pod, policy: policy, checks: securityContextChecks(policy.securityContext.seccompProfile == .off ? RuleID.appArmorProfile : RuleID.seccompProfile)).findings.map(\.path.description)
    }

    @Test func anUnconfinedContainerAnnotationIsDenied() throws {
        #expect(try findings(#"{"container.seccomp.security.alpha.kubernetes.io/app":"unconfined"}"#, policy: seccompPolicy)
            == ["/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app"])
    }

    @Test func theContainerFieldDecidesOverThePodAnnotation() throws {
        #expect(try findings(#"{"seccomp.security.alpha.kubernetes.io/pod":"unconfined"}"#,
                             sc: #"{"seccompProfile":{"type":"RuntimeDefault"}}"#, policy: seccompPolicy).isEmpty)
    }

    @Test func dockerDefaultIsTheRuntimeDefault() throws {
        #expect(try findings(#"{"seccomp.security.alpha.kubernetes.io/pod":"docker/default"}"#, policy: seccompPolicy).isEmpty)
    }

    @Test func aLocalhostAppArmorAnnotationMatchesAPrefix() throws {
        #expect(try findings(#"{"container.apparmor.security.beta.kubernetes.io/app":"localhost/custom"}"#, policy: appArmorPolicy).isEmpty)
    }

    @Test("a megabyte-long profile name is quoted as an excerpt, not copied into the message")
    func aLongProfileNameIsQuotedShort() throws {
        let name = "localhost/" + String(repeating: "x", count: 1 << 20)
        let pod = try JSONReader().parse(#"{"kind":"Pod","metadata":{"name":"p","annotations":{"container.seccomp.security.alpha.kubernetes.io/app":"\#(name)"}},"spec":{"containers":[{"name":"app","image":"x"}]}}"#)
        let messages = PolicyEngine.evaluate(pod, policy: seccompPolicy, checks: securityContextChecks(RuleID.seccompProfile)).findings.map(\.message)
        let message = try #require(messages.first)
        // Asserted on derived values, so that a failure does not print the megabyte.
        let length = message.utf8.count, namesItsSize = message.contains("(\(name.utf8.count) bytes)")
        #expect(length < 400, "\(message.prefix(200))")
        #expect(namesItsSize, "\(message.prefix(200))")
    }
}

let seLinuxCases: [RuleCase] = {
    let r = RuleID.seLinuxOptions
    let policy = enabled { $0.seLinuxOptions = .deny; $0.allowedSELinuxOptions = ["::container_t:", "system_u:system_r:spc_t:s0:c1,c2"] }
    func spec(_ options: String) -> String {
        #"{"containers":[{"name":"app","image":"x","securityContext":{"seLinuxOptions":\#(options)}}]}"#
    }
    let deny = [ExpectedRuleFinding(r, .deny, "/spec/containers/0/securityContext/seLinuxOptions", fixable: false)]
    return [
        RuleCase(name: "a listed type alone passes", rule: r, spec: spec(#"{"type":"container_t"}"#), policy: policy, expected: []),
        RuleCase(name: "a field the entry leaves empty must stay unset", rule: r,
                 spec: spec(#"{"type":"container_t","user":"sysadm_u"}"#), policy: policy, expected: deny),
        RuleCase(name: "a full label with a multi-part level passes", rule: r,
                 spec: spec(#"{"user":"system_u","role":"system_r","type":"spc_t","level":"s0:c1,c2"}"#), policy: policy, expected: []),
        RuleCase(name: "an unlisted type is denied", rule: r, spec: spec(#"{"type":"svirt_lxc_net_t"}"#), policy: policy, expected: deny),
    ]
}()
