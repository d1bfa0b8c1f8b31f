import TidegateJSON

/// capabilities_restricted (restricted, v1.22; v1.25 exempts Windows pods; replaces
/// capabilities_baseline at restricted)
///
/// Reads: `securityContext.capabilities.drop` and `.add` of every container, initContainer and
/// ephemeralContainer; `spec.os.name`.
/// Allowed: `drop` includes `ALL` (exactly, upper case); `add` holds nothing but
/// `NET_BIND_SERVICE`. From v1.25 a pod with `spec.os.name: windows` passes: capabilities are
/// Linux-only.
/// Fix: add `ALL` to `drop`; remove the other capabilities from `add`.
enum PodSecurityCapabilitiesRestricted {
    static let check = PodSecurityCheck(
        id: "capabilities_restricted", level: .restricted, overrides: "capabilities_baseline",
        versions: [(KubeVersion(minor: 22), v1_22), (KubeVersion(minor: 25), v1_25)])

    static let reason = "unrestricted capabilities"

    static func allowedAdd(_ capability: String) -> Bool { capability == "NET_BIND_SERVICE" }

    @Sendable static func v1_22(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            let capabilities = pod.containers[i].securityContext?["capabilities"]
            if capabilities?["drop"]?.arrayValue?.contains("ALL") != true {
                let container = pod.containers[i]
                let path = container.securityContextPath / "capabilities" / "drop"
                out.append(Violation(
                    path: path, container: container.ref,
                    message: PodSecurityText.message(reason, "must set securityContext.capabilities.drop=[\"ALL\"]"),
                    fix: context.fix(Fix("add ALL to capabilities.drop", FixBuilder.appendUnique("ALL", toArrayAt: path, in: pod.object)))))
            }
            if let add = capabilities?["add"]?.arrayValue,
               add.contains(where: { $0.stringValue.map { !allowedAdd($0) } ?? false }) {
                let container = pod.containers[i]
                let forbidden = add.compactMap { $0.stringValue }.filter { !allowedAdd($0) }
                let path = container.securityContextPath / "capabilities" / "add"
                out.append(Violation(
                    path: path, container: container.ref,
                    message: PodSecurityText.message(
                        reason, "must not include \(PodSecurityText.quoted(forbidden)) in securityContext.capabilities.add"),
                    fix: context.fix(Fix(
                        "remove \(forbidden.joined(separator: ", ")) from capabilities.add",
                        PodSecurityFix.keepOnly(allowedAdd, in: add, at: path, of: pod.object)))))
            }
        }
    }

    @Sendable static func v1_25(_ context: CheckContext) -> [Violation] {
        context.pod.isWindows ? [] : v1_22(context)
    }
}
