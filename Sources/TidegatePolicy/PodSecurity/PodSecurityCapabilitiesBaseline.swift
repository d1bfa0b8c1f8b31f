import TidegateJSON

/// capabilities_baseline (baseline, v1.0; replaced by capabilities_restricted at restricted)
///
/// Reads: `securityContext.capabilities.add` of every container, initContainer and
/// ephemeralContainer.
/// Allowed: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE,
/// SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT, compared exactly (case matters, no `CAP_`).
/// Fix: remove the other capabilities from `add`.
enum PodSecurityCapabilitiesBaseline {
    static let check = PodSecurityCheck(id: "capabilities_baseline", level: .baseline, versions: [(.v1_0, v1_0)])

    static let allowed: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            guard let add = pod.containers[i].securityContext?["capabilities"]?["add"]?.arrayValue,
                  add.contains(where: { $0.stringValue.map { !allowed.contains($0) } ?? false })
            else { return }
            let container = pod.containers[i]
            let forbidden = add.compactMap { $0.stringValue }.filter { !allowed.contains($0) }
            let path = container.securityContextPath / "capabilities" / "add"
            out.append(Violation(
                path: path, container: container.ref,
                message: PodSecurityText.message(
                    "non-default capabilities",
                    "must not include \(PodSecurityText.quoted(forbidden)) in securityContext.capabilities.add"),
                fix: context.fix(Fix(
                    "remove \(forbidden.joined(separator: ", ")) from capabilities.add",
                    PodSecurityFix.keepOnly({ allowed.contains($0) }, in: add, at: path, of: pod.object)))))
        }
    }
}
