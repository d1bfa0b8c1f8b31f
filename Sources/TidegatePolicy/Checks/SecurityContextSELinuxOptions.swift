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

    static let fields = ["user", "role", "type", "level"]

    /// The entry's four fields; nil for an entry that is not `user:role:type:level`.
    static func parse(_ entry: String) -> [String: String]? {
        let parts = entry.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        return Dictionary(uniqueKeysWithValues: zip(fields, parts.map(String.init)))
    }

    static func admits(_ entry: [String: String], _ options: JSONObject) -> Bool {
        fields.allSatisfy { field in
            guard let value = options[field], !value.isNull else { return true }
            guard let wanted = entry[field], !wanted.isEmpty else { return false }
            return value.stringValue == wanted
        }
    }

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        let entries = context.policy.securityContext.allowedSELinuxOptions.compactMap(parse)
        let allowedText = context.policy.securityContext.allowedSELinuxOptions.isEmpty
            ? "none allowed" : "allowed: " + context.policy.securityContext.allowedSELinuxOptions.joined(separator: ", ")
        func label(_ options: JSONObject) -> String {
            fields.map { options[$0]?.stringValue ?? "" }.joined(separator: ":")
        }
        var out: [Violation] = []
        if context.scope == .all, let options = pod.podSecurityContext?["seLinuxOptions"]?.objectValue,
           !entries.contains(where: { admits($0, options) }) {
            out.append(Violation(
                path: pod.podSecurityContextPath / "seLinuxOptions", container: nil,
                message: "the pod sets SELinux options \(label(options)) (\(allowedText))"))
        }
        out += pod.visitContainers(context.scope) { container in
            guard let options = container.securityContext?["seLinuxOptions"]?.objectValue,
                  !entries.contains(where: { admits($0, options) }) else { return [] }
            return [Violation(
                path: container.securityContextPath / "seLinuxOptions", container: container.ref,
                message: "sets SELinux options \(label(options)) (\(allowedText))")]
        }
        return out
    }
}
