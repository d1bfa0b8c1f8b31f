import TidegateJSON

/// SELinux options outside the allowed labels
///
/// Reads: `securityContext.seLinuxOptions` (`user`, `role`, `type`, `level`) of the pod and of
///        every container, initContainer and ephemeralContainer.
/// Allowed: unset, or options that an entry of `securityContext.allowedSELinuxOptions` admits.
///          An entry is written as an SELinux context, `user:role:type:level` (the level may
///          itself hold colons, `s0:c1,c2`); every field the options set must equal the entry's,
///          and an empty field in the entry admits only options that leave it unset
///          (`::container_t:` admits `{type: container_t}` and nothing with a user). Skipped on
///          Windows pods.
/// Fix: none. The label is part of how the node's policy confines the workload.
enum SELinuxOptionsCheck {
    static let registration = CheckRegistration(
        id: RuleID.seLinuxOptions,
        action: { $0.securityContext.seLinuxOptions },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        let entries = context.policy.securityContext.seLinuxLabels
        let allowed = context.policy.securityContext.allowedSELinuxOptions
        var allowedText: String { allowed.isEmpty ? "none allowed" : "allowed: " + allowed.joined(separator: ", ") }
        var out: [Violation] = []
        if context.scope == .all, let options = pod.podSecurityContext?["seLinuxOptions"]?.objectValue,
           !entries.contains(where: { $0.admits(options) }) {
            out.append(Violation(
                path: pod.podSecurityContextPath / "seLinuxOptions", container: nil,
                message: "the pod sets SELinux options \(SELinuxLabel.text(of: options)) (\(allowedText))"))
        }
        out += pod.visitContainers(context.scope) { container in
            guard let options = container.securityContext?["seLinuxOptions"]?.objectValue,
                  !entries.contains(where: { $0.admits(options) }) else { return [] }
            return [Violation(
                path: container.securityContextPath / "seLinuxOptions", container: container.ref,
                message: "sets SELinux options \(SELinuxLabel.text(of: options)) (\(allowedText))")]
        }
        return out
    }
}

/// An entry of `securityContext.allowedSELinuxOptions`: `user:role:type:level`, empty fields
/// allowed, the level keeping any further colons (`s0:c1,c2`).
public struct SELinuxLabel: Sendable, Equatable {
    static let fields = ["user", "role", "type", "level"]
    /// The four fields, in `fields` order.
    let parts: [String]

    /// Nil for text that is not `user:role:type:level`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        self.parts = parts.map(String.init)
    }

    /// Every field the options set equals this entry's; a field empty here admits only
    /// options that leave it unset.
    func admits(_ options: JSONObject) -> Bool {
        Self.fields.indices.allSatisfy { i in
            guard let value = options[Self.fields[i]], !value.isNull else { return true }
            return !parts[i].isEmpty && value.stringValue == parts[i]
        }
    }

    /// Options written as a label, for messages.
    static func text(of options: JSONObject) -> String {
        fields.map { options[$0]?.stringValue ?? "" }.joined(separator: ":")
    }
}
