import TidegateJSON

/// Pods on the node's network
///
/// Reads: `spec.hostNetwork`.
/// Allowed: unset, `false`.
/// Fix: none. A pod moved off the host network gets another address, which its clients and
/// its own bind addresses must follow.
enum HostNetworkCheck {
    static let registration = CheckRegistration(
        id: RuleID.hostNetwork,
        action: { $0.securityContext.hostNetwork },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard context.scope == .all, pod.spec["hostNetwork"]?.boolValue == true else { return [] }
        return [Violation(
            path: pod.specPath / "hostNetwork", container: nil,
            message: "the pod uses the node's network namespace (hostNetwork: true): it sees every interface of the node and can bind its ports")]
    }
}
