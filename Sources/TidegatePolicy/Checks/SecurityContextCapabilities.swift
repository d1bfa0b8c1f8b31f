import TidegateJSON

/// Added capabilities outside the allow-list
///
/// Reads: `securityContext.capabilities.add[*]` of containers, initContainers and
///        ephemeralContainers.
/// Allowed: entries equal, as exact strings, to one of `policy.securityContext.allowedCapabilities`
///          (default `NET_BIND_SERVICE`). Pod Security compares exactly, so `CAP_NET_BIND_SERVICE`
///          or `net_bind_service` does not pass even though runtimes read both as
///          NET_BIND_SERVICE; the message names the allowed spelling. Skipped on Windows pods
///          (no capabilities there).
/// Fix: per container, an alias of an allowed capability is rewritten to the allowed spelling
/// (unless that spelling is already present), every other offending entry is removed. Rewrites
/// come first, then removals by index, highest first, so each index still names the entry it
/// was computed for.
enum CapabilitiesCheck {
    static let registration = CheckRegistration(
        id: RuleID.capabilities,
        action: { $0.securityContext.capabilities },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        let allowed = context.policy.securityContext.allowedCapabilities
        var allowedText: String { allowed.isEmpty ? "none" : allowed.joined(separator: ", ") }
        return pod.visitContainers(context.scope) { container in
            guard let entries = container.settings.capabilitiesAddEntries,
                  !entries.allSatisfy({ $0.stringValue.map(allowed.contains) == true }) else { return [] }
            var addPath: JSONPointer { container.securityContextPath / "capabilities" / "add" }

            var present = Set(entries.compactMap(\.stringValue))
            var rewrites: [(index: Int, from: String, to: String)] = []
            var removals: [(index: Int, name: String)] = []
            for (index, entry) in entries.enumerated() {
                let name = Capability.text(entry)
                if entry.stringValue.map(allowed.contains) == true { continue }
                if entry.stringValue != nil,
                   let spelling = allowed.first(where: { Capability.canonical($0) == Capability.canonical(name) }),
                   !present.contains(spelling) {
                    rewrites.append((index, name, spelling))
                    present.insert(spelling)
                } else {
                    removals.append((index, name))
                }
            }
            guard !rewrites.isEmpty || !removals.isEmpty else { return [] }

            var operations = rewrites.map { PatchOperation.replace(addPath / $0.index, .string($0.to)) }
            operations += removals.reversed().map { PatchOperation.remove(addPath / $0.index) }
            var summary: [String] = rewrites.map { "write \($0.to) instead of \($0.from)" }
            if !removals.isEmpty {
                summary.append("remove \(removals.map(\.name).joined(separator: ", ")) from capabilities.add")
            }
            let fix = Fix(summary.joined(separator: "; "), operations)

            let offending = (rewrites.map { ($0.index, $0.from) } + removals.map { ($0.index, $0.name) })
                .sorted { $0.0 < $1.0 }
            return offending.map { index, name in
                Violation(path: addPath / index, container: container.ref,
                          message: message(name, allowed: allowed, allowedText: allowedText), fix: fix)
            }
        }
    }

    private static func message(_ name: String, allowed: [String], allowedText: String) -> String {
        if let spelling = allowed.first(where: { Capability.canonical($0) == Capability.canonical(name) }) {
            return "adds capability \"\(name)\": runtimes read it as \(Capability.canonical(name)), but names are "
                + "compared exactly (as Pod Security does); write \"\(spelling)\""
        }
        if Capability.canonical(name) == "ALL" {
            return "adds ALL capabilities (allowed: \(allowedText))"
        }
        return "adds capability \"\(name)\", which the policy does not allow (allowed: \(allowedText))"
    }
}
