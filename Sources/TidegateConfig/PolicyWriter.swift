import TidegatePolicy

/// Writes a policy as YAML in the layout of the default policy, every key present, so that
/// `PolicyLoader` reads back the same `Policy`.
public enum PolicyWriter {
    public static func yaml(_ policy: Policy) -> String {
        var lines = [
            "apiVersion: \(PolicySchema.apiVersion)",
            "kind: \(PolicySchema.kind)",
            "mode: \(policy.mode.rawValue)",
            "images:",
            "  trustedRegistries: \(list(policy.images.trustedRegistries.map(\.description)))",
        ]
        for field in PolicySchema.imageActions {
            lines.append("  \(field.key): \(policy.images[keyPath: field.keyPath].rawValue)")
        }
        for field in PolicySchema.imageLists {
            lines.append("  \(field.key): \(list(policy.images[keyPath: field.keyPath]))")
        }
        lines.append("securityContext:")
        for field in PolicySchema.securityContextActions {
            lines.append("  \(field.key): \(policy.securityContext[keyPath: field.keyPath].rawValue)")
        }
        for field in PolicySchema.securityContextLists {
            lines.append("  \(field.key): \(list(policy.securityContext[keyPath: field.keyPath]))")
        }
        lines.append("exemptions:")
        for field in PolicySchema.exemptionLists {
            lines.append("  \(field.key): \(list(policy.exemptions[keyPath: field.keyPath]))")
        }
        lines.append("mutation:")
        for field in PolicySchema.mutationLists {
            lines.append("  \(field.key): \(list(policy.mutation[keyPath: field.keyPath]))")
        }
        if let pss = policy.podSecurity {
            lines.append("podSecurity: {level: \(pss.level.rawValue), version: \(pss.version)}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func list(_ items: [String]) -> String {
        "[" + items.map(scalar).joined(separator: ", ") + "]"
    }

    /// A flow-context scalar: plain when unambiguous, double-quoted otherwise (`*.corp.example.com`
    /// would be an alias, `on` a boolean to other YAML tools, `a, b` two items).
    static func scalar(_ text: String) -> String {
        let safeFirst = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/")
        let safeRest = safeFirst.union(".-:")
        let plain = text.first.map { safeFirst.contains($0) } == true
            && text.allSatisfy { safeRest.contains($0) }
            && !text.hasSuffix(":")
            && !YAMLScalar.trueWords.contains(text) && !YAMLScalar.falseWords.contains(text)
            && !YAMLScalar.nullWords.contains(text)
            && YAMLScalar.number(text) == nil
        if plain { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }
}
