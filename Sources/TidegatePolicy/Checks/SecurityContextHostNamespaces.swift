import TidegateJSON

/// Pods sharing the node's process or IPC namespace
///
/// Reads: `spec.hostPID`, `spec.hostIPC`.
/// Allowed: unset, `false`. (`hostNetwork` is its own rule, `securityContext.hostNetwork`.)
/// Fix: set the field to `false`.
enum HostNamespacesCheck {
    static let registration = CheckRegistration(
        id: RuleID.hostNamespaces,
        action: { $0.securityContext.hostNamespaces },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard context.scope == .all else { return [] }
        return [("hostPID", "process"), ("hostIPC", "IPC")].compactMap { field, what in
            guard pod.spec[field]?.boolValue == true else { return nil }
            let path = pod.specPath / field
            return Violation(
                path: path, container: nil,
                message: "the pod shares the node's \(what) namespace (\(field): true)",
                fix: context.fix(Fix("set \(field): false", FixBuilder.set(false, at: path, in: pod.object))))
        }
    }
}
