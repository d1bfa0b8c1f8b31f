import TidegateJSON

/// Wording shared by the Pod Security Standards checks. Messages read like
/// pod-security-admission's, `reason (detail)`, so a finding can be matched to the standard;
/// `Finding` adds the container prefix. Built only once a violation is found.
enum PodSecurityText {
    static func message(_ reason: String, _ detail: String) -> String { "\(reason) (\(detail))" }

    /// "pod " for a pod-level setting; nothing for a container, which `Finding` names.
    static func subject(_ container: ContainerRef?) -> String { container == nil ? "pod " : "" }

    /// User input (a host, a sysctl, an annotation value), cut short like every quoted value.
    static func quoted(_ text: String) -> String { quotedExcerpt(text) }

    /// The profile types the standards accept for seccomp and AppArmor alike.
    static func confinedProfileType(_ type: String?) -> Bool { type == "RuntimeDefault" || type == "Localhost" }

    /// `"A", "B"`.
    static func quoted(_ items: [String]) -> String { items.map(quoted).joined(separator: ", ") }
}

/// Remedies shared by several checks, computed against the submitted object.
enum PodSecurityFix {
    static let runtimeDefault: JSONValue = ["type": "RuntimeDefault"]

    /// Keeps only the allowed strings of the array at `path` (removing the array when nothing
    /// is left). Entries that are not strings are left for API validation to reject.
    static func keepOnly(
        _ allowed: (String) -> Bool, in list: [JSONValue], at path: JSONPointer, of object: JSONValue
    ) -> [PatchOperation] {
        let kept = list.filter { $0.stringValue.map(allowed) ?? true }
        return kept.isEmpty ? FixBuilder.remove(path, in: object) : FixBuilder.set(.array(kept), at: path, in: object)
    }
}
