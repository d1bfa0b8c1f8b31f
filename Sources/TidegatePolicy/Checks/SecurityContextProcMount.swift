import TidegateJSON

/// Containers that unmask /proc
///
/// Reads: `securityContext.procMount` of containers, initContainers and ephemeralContainers.
/// Allowed: unset, `Default` (compared case-insensitively, as the admission controllers that
/// introduced the field did).
/// Fix: set `procMount: Default`, the runtime's masked default (the remedy the Pod Security
/// Standards and the misplaced-fields rule propose too, so the findings fold into one).
enum ProcMountCheck {
    static let registration = CheckRegistration(
        id: RuleID.procMount,
        action: { $0.securityContext.procMount },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        context.pod.visitContainers(context.scope) { container in
            guard let value = container.securityContext?["procMount"], !value.isNull,
                  value.stringValue?.lowercased() != "default" else { return [] }
            let path = container.securityContextPath / "procMount"
            let shown = value.stringValue ?? value.typeName
            return [Violation(
                path: path, container: container.ref,
                message: "sets procMount \(shown); only Default is allowed (an unmasked /proc exposes kernel interfaces of the node)",
                fix: context.fix(Fix("set procMount: Default", FixBuilder.set("Default", at: path, in: context.pod.object))))]
        }
    }
}
