import TidegateJSON

/// seLinuxOptions (baseline, v1.0; v1.31 adds container_engine_t)
///
/// Reads: `spec.securityContext.seLinuxOptions` and the same field of every container,
/// initContainer and ephemeralContainer: `type`, `user`, `role`.
/// Allowed: `type` unset, "", `container_t`, `container_init_t`, `container_kvm_t` (and from v1.31
/// `container_engine_t`); `user` and `role` unset or "".
/// Fix: none. An SELinux label is chosen for what the workload must reach.
enum PodSecuritySELinuxOptions {
    static let check = PodSecurityCheck(
        id: "seLinuxOptions", level: .baseline, versions: [(.v1_0, v1_0), (KubeVersion(minor: 31), v1_31)])

    static let types1_0: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t"]
    static let types1_31: Set<String> = types1_0.union(["container_engine_t"])
    static let identityFields = ["user", "role"]

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] { evaluate(context, allowedTypes: types1_0) }
    @Sendable static func v1_31(_ context: CheckContext) -> [Violation] { evaluate(context, allowedTypes: types1_31) }

    static func evaluate(_ context: CheckContext, allowedTypes: Set<String>) -> [Violation] {
        let pod = context.pod
        return pod.eachSecurityContext(context) { owner, out in
            guard let options = pod.securityContext(of: owner)?["seLinuxOptions"]?.objectValue else { return }
            if let type = options["type"]?.stringValue, !allowedTypes.contains(type) {
                out.append(violation(
                    "type", owner, pod, "must not set securityContext.seLinuxOptions.type to \(PodSecurityText.quoted(type))"))
            }
            for field in identityFields {
                if let value = options[field]?.stringValue, !value.isEmpty {
                    out.append(violation(field, owner, pod, "must not set securityContext.seLinuxOptions.\(field)"))
                }
            }
        }
    }

    static func violation(_ field: String, _ owner: SecurityContextOwner, _ pod: PodUnderReview, _ detail: String) -> Violation {
        let container = pod.ref(of: owner)
        return Violation(
            path: pod.securityContextPath(of: owner) / "seLinuxOptions" / field, container: container,
            message: PodSecurityText.message("seLinuxOptions", PodSecurityText.subject(container) + detail))
    }
}
