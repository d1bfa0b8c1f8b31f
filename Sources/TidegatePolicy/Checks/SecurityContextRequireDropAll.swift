import TidegateJSON

/// Capabilities not dropped
///
/// Reads: `securityContext.capabilities.drop` of containers, initContainers and
///        ephemeralContainers.
/// Allowed: a `drop` list containing the exact string `ALL` (Pod Security restricted compares
///          exactly, so a lowercase `all`, though runtimes honour it, does not count). Skipped on
///          Windows pods (no capabilities there).
/// Fix: append `ALL` to `drop`, creating `capabilities.drop` when missing. Entries in `add`
/// still apply after `drop: [ALL]`.
enum RequireDropAllCheck {
    static let registration = CheckRegistration(
        id: RuleID.requireDropAll,
        action: { $0.securityContext.requireDropAll },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        return pod.visitContainers(context.scope) { container in
            guard !container.settings.dropsAll else { return [] }
            let drop = container.settings.capabilitiesDrop.value ?? []
            var path: JSONPointer { container.securityContextPath / "capabilities" / "drop" }
            let message = drop.contains(where: { Capability.canonical($0) == "ALL" })
                ? "capabilities.drop names ALL in another spelling; Pod Security requires exactly \"ALL\""
                : "does not drop ALL capabilities (capabilities.drop lacks ALL), so it keeps the runtime's default set"
            return [Violation(
                path: path, container: container.ref, message: message,
                fix: context.fix(Fix("add ALL to capabilities.drop", FixBuilder.appendUnique("ALL", toArrayAt: path, in: pod.object))))]
        }
    }
}
