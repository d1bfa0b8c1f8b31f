import TidegateJSON

/// Container-only fields in the pod-level securityContext
///
/// Reads: `spec.securityContext.capabilities`, `.privileged`, `.allowPrivilegeEscalation`,
///        `.readOnlyRootFilesystem`, `.procMount` (the pod level), and the same fields on
///        containers, initContainers and ephemeralContainers for the fix.
/// Allowed: none of them at pod level. The pod-level securityContext has no such fields, so the
///          API server drops them and no container gets the value the author meant.
/// Fix: remove the field from the pod and, when the written value tightens the container (no
///      more than Kubernetes' default grants), set it on every container that does not set the
///      field itself: `readOnlyRootFilesystem: true`, `privileged: false`,
///      `allowPrivilegeEscalation: false` (not on containers that are privileged or add
///      SYS_ADMIN, where the API rejects it), `procMount: Default`, and `capabilities.drop` (into
///      containers without their own `drop`). A loosening value (`privileged: true`,
///      `capabilities.add`, ...) is only removed: it never applied, and copying it would grant
///      what the pod never had. Windows pods: only removed (the fields are Linux-only).
///      Not run on an ephemeral-containers update, where the pod spec cannot change.
enum MisplacedFieldsCheck {
    static let registration = CheckRegistration(
        id: RuleID.misplacedFields,
        action: { $0.securityContext.misplacedFields },
        evaluate: v1_0)

    /// Whether this check reports misplaced fields for `context` at least as strongly as
    /// `action`; checks that leave the misplaced case to it ask this first, so that folding
    /// never turns a deny into a warning.
    static func reports(_ context: CheckContext, atLeast action: RuleAction) -> Bool {
        context.scope == .all && rank(context.policy.securityContext.misplacedFields) >= rank(action)
    }

    private static func rank(_ action: RuleAction) -> Int {
        switch action {
        case .off: 0
        case .warn: 1
        case .deny: 2
        }
    }

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard context.scope == .all, let podSC = pod.podSecurityContext else { return [] }
        var out: [Violation] = []
        for field in EffectiveSecurityContext.containerOnlyFields {
            guard let value = podSC[field], !value.isNull else { continue }
            let path = pod.podSecurityContextPath / field
            var operations: [PatchOperation] = [.remove(path)]
            var receivers: [String] = []
            if !pod.isWindows, let (subpath, copy) = tightening(field, value) {
                for container in pod.containers {
                    let target = subpath.reduce(container.securityContextPath) { $0 / $1 }
                    if let own = pod.object.value(at: target), !own.isNull { continue }
                    if field == "allowPrivilegeEscalation",
                       container.settings.escalationImpliedBy != nil { continue }
                    operations += FixBuilder.set(copy, at: target, in: pod.object)
                    receivers.append(container.ref.name)
                }
            }
            let written = field == "capabilities" ? "capabilities.drop" : field
            let summary = receivers.isEmpty
                ? "remove \(field) from the pod-level securityContext"
                : "move \(written) from the pod-level securityContext to \(receivers.joined(separator: ", "))"
            out.append(Violation(
                path: path, container: nil,
                message: "pod-level securityContext.\(field) is ignored: the field exists only on containers, "
                    + "so Kubernetes drops it at pod level",
                fix: context.fix(Fix(summary, operations))))
        }
        return out
    }

    /// The container path and value to copy when `value` cannot loosen a container.
    private static func tightening(_ field: String, _ value: JSONValue) -> ([String], JSONValue)? {
        switch field {
        case "readOnlyRootFilesystem": value == true ? ([field], value) : nil
        case "privileged", "allowPrivilegeEscalation": value == false ? ([field], value) : nil
        case "procMount": value == "Default" ? ([field], value) : nil
        case "capabilities":
            if let drop = value["drop"], let list = drop.arrayValue, !list.isEmpty {
                (["capabilities", "drop"], drop)
            } else {
                nil
            }
        default: nil
        }
    }
}
