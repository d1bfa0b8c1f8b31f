import TidegatePolicy
import Yams

/// Reads a policy from a YAML node tree, starting from the defaults and collecting every
/// problem rather than stopping at the first. Scalars are read as their raw text, so
/// `privileged: off` is the action "off" although YAML 1.1 would call it a boolean.
struct PolicyDecoder {
    let file: String
    private(set) var errors: [PolicyError] = []

    init(file: String) { self.file = file }

    mutating func decode(_ root: Node) -> Policy {
        var policy = Policy.default
        guard let top = mapping(root, path: "", required: true) else { return policy }
        var sawAPIVersion = false
        var sawKind = false
        for (keyNode, value) in top {
            guard let key = key(keyNode, path: "", known: PolicySchema.topLevelKeys) else { continue }
            switch key {
            case "apiVersion":
                sawAPIVersion = true
                expectConstant(value, path: key, expected: PolicySchema.apiVersion)
            case "kind":
                sawKind = true
                expectConstant(value, path: key, expected: PolicySchema.kind)
            case "mode":
                if let text = scalarText(value, path: key) {
                    if let mode = Policy.Mode(rawValue: text) {
                        policy.mode = mode
                    } else {
                        fail(value, key, "unknown mode \"\(text)\" (expected enforce, warn or audit)")
                    }
                }
            case "images": decodeImages(value, into: &policy.images)
            case "securityContext": decodeSecurityContext(value, into: &policy.securityContext)
            case "exemptions":
                decodeLists(value, section: key, fields: PolicySchema.exemptionLists, into: &policy.exemptions)
            case "mutation":
                decodeLists(value, section: key, fields: PolicySchema.mutationLists, into: &policy.mutation)
                checkRuleIDs(value)
            case "podSecurity": decodePodSecurity(value, into: &policy.podSecurity)
            default: break
            }
        }
        if !sawAPIVersion { fail(root, "", "missing apiVersion (expected \(PolicySchema.apiVersion))") }
        if !sawKind { fail(root, "", "missing kind (expected \(PolicySchema.kind))") }
        errors.sort { ($0.line, $0.column) < ($1.line, $1.column) }
        return policy
    }

    // MARK: Sections

    private mutating func decodeImages(_ node: Node, into rules: inout ImageRules) {
        guard let section = mapping(node, path: "images") else { return }
        let actions = PolicySchema.imageActions
        for (keyNode, value) in section {
            guard let key = key(keyNode, path: "images", known: PolicySchema.imageKeys) else { continue }
            let path = "images.\(key)"
            if key == "trustedRegistries" {
                guard let entries = stringList(value, path: path) else { continue }
                var patterns: [RegistryPattern] = []
                var valid = true
                for (index, entry) in entries.enumerated() {
                    do {
                        patterns.append(try parseRegistryPattern(entry.text))
                    } catch {
                        valid = false
                        fail(entry.node, "\(path)[\(index)]", "invalid trusted registry: \(error)")
                    }
                }
                if valid { rules.trustedRegistries = patterns }
            } else if let field = PolicySchema.imageLists.first(where: { $0.key == key }) {
                if let entries = stringList(value, path: path) { rules[keyPath: field.keyPath] = entries.map(\.text) }
            } else if let field = actions.first(where: { $0.key == key }), let action = action(value, path: path) {
                rules[keyPath: field.keyPath] = action
            }
        }
    }

    private mutating func decodeSecurityContext(_ node: Node, into rules: inout SecurityContextRules) {
        guard let section = mapping(node, path: "securityContext") else { return }
        for (keyNode, value) in section {
            guard let key = key(keyNode, path: "securityContext", known: PolicySchema.securityContextKeys) else { continue }
            let path = "securityContext.\(key)"
            if let field = PolicySchema.securityContextActions.first(where: { $0.key == key }) {
                if let action = action(value, path: path) { rules[keyPath: field.keyPath] = action }
            } else if let field = PolicySchema.securityContextLists.first(where: { $0.key == key }),
                let entries = stringList(value, path: path)
            {
                rules[keyPath: field.keyPath] = entries.map(\.text)
                if key == "skipOnUpdate" { checkRuleKeys(entries, path: path) }
                if key == "allowedSELinuxOptions" {
                    for (index, entry) in entries.enumerated() where SELinuxLabel(entry.text) == nil {
                        fail(entry.node, "\(path)[\(index)]", "invalid SELinux label \"\(entry.text)\" (expected user:role:type:level, empty fields allowed)")
                    }
                }
                if key == "allowedHostPorts" {
                    for (index, entry) in entries.enumerated() where HostPortRange(entry.text) == nil {
                        fail(entry.node, "\(path)[\(index)]", "invalid port range \"\(entry.text)\" (expected N, N-M, N- or -M with ports 1 to 65535)")
                    }
                }
            }
        }
    }

    /// `securityContext.skipOnUpdate` names rules by their key in the same section.
    private mutating func checkRuleKeys(_ entries: [(text: String, node: Node)], path: String) {
        let known = PolicySchema.securityContextActions.map(\.key)
        for (index, entry) in entries.enumerated() where !known.contains(entry.text) {
            var message = "unknown securityContext rule \"\(entry.text)\""
            if let guess = Suggestion.closest(to: entry.text, among: known) { message += "; did you mean \"\(guess)\"?" }
            fail(entry.node, "\(path)[\(index)]", message)
        }
    }

    /// `podSecurity: {level: baseline|restricted|privileged, version: latest|v1.N}`; absent (or
    /// null) leaves the Pod Security Standards off.
    private mutating func decodePodSecurity(_ node: Node, into settings: inout PodSecuritySettings?) {
        guard let members = mapping(node, path: "podSecurity") else { return }
        var level: PodSecurityLevel?
        var version = KubeVersion.latest
        var valid = true
        for (keyNode, value) in members {
            guard let key = key(keyNode, path: "podSecurity", known: PolicySchema.podSecurityKeys),
                let text = scalarText(value, path: "podSecurity.\(key)")
            else { valid = false; continue }
            if key == "level" {
                level = PodSecurityLevel(rawValue: text)
                if level == nil {
                    valid = false
                    fail(value, "podSecurity.level", "unknown level \"\(text)\" (expected privileged, baseline or restricted)")
                }
            } else if let parsed = KubeVersion(text) {
                version = parsed
            } else {
                valid = false
                fail(value, "podSecurity.version", "invalid version \"\(text)\" (expected latest or v1.N)")
            }
        }
        guard valid else { return }
        guard let level else {
            fail(node, "podSecurity", "podSecurity needs a level (privileged, baseline or restricted)")
            return
        }
        settings = PodSecuritySettings(level: level, version: version)
    }

    private mutating func decodeLists<Section>(
        _ node: Node, section name: String, fields: [PolicySchema.ListField<Section>], into section: inout Section
    ) {
        guard let members = mapping(node, path: name) else { return }
        for (keyNode, value) in members {
            guard let key = key(keyNode, path: name, known: fields.map(\.key)),
                let field = fields.first(where: { $0.key == key }),
                let entries = stringList(value, path: "\(name).\(key)")
            else { continue }
            section[keyPath: field.keyPath] = entries.map(\.text)
        }
    }

    private mutating func checkRuleIDs(_ node: Node) {
        guard case .mapping(let members) = node, let list = members["autoApply"], case .sequence(let items) = list
        else { return }
        let known = PolicySchema.ruleIDs
        for (index, item) in items.enumerated() {
            guard case .scalar(let scalar) = item, !known.contains(scalar.string) else { continue }
            var message = "unknown rule id \"\(scalar.string)\""
            if let guess = Suggestion.closest(to: scalar.string, among: known) { message += "; did you mean \"\(guess)\"?" }
            fail(item, "mutation.autoApply[\(index)]", message)
        }
    }

    // MARK: Values

    private mutating func mapping(_ node: Node, path: String, required: Bool = false) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        if !required, isNull(node) { return nil }
        let what = path.isEmpty ? "the policy file" : path
        fail(node, path, "expected a mapping for \(what), found \(describe(node))")
        return nil
    }

    /// The key's text if it is one of `known`; otherwise an error with a suggestion.
    private mutating func key(_ node: Node, path: String, known: [String]) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(node, path, "a key must be a plain word, found \(describe(node))")
            return nil
        }
        let key = scalar.string
        if known.contains(key) { return key }
        let full = path.isEmpty ? key : "\(path).\(key)"
        var message = "unknown key \"\(key)\""
        if let guess = Suggestion.closest(to: key, among: known) {
            message += "; did you mean \"\(guess)\"?"
        } else {
            message += " (expected one of: \(known.joined(separator: ", ")))"
        }
        fail(node, full, message)
        return nil
    }

    private mutating func scalarText(_ node: Node, path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(node, path, "expected a single value, found \(describe(node))")
            return nil
        }
        return scalar.string
    }

    private mutating func expectConstant(_ node: Node, path: String, expected: String) {
        guard let text = scalarText(node, path: path), text != expected else { return }
        fail(node, path, "unsupported \(path) \"\(text)\" (expected \(expected))")
    }

    private mutating func action(_ node: Node, path: String) -> RuleAction? {
        guard let text = scalarText(node, path: path) else { return nil }
        if let action = RuleAction(rawValue: text) { return action }
        if case .scalar(let scalar) = node, scalar.style == .plain,
            YAMLScalar.trueWords.contains(text) || YAMLScalar.falseWords.contains(text)
        {
            fail(node, path, "\"\(text)\" is a boolean, not an action (expected deny, warn or off)")
        } else {
            fail(node, path, "unknown action \"\(text)\" (expected deny, warn or off)")
        }
        return nil
    }

    /// A list of plain values; null or an empty value is the empty list.
    private mutating func stringList(_ node: Node, path: String) -> [(text: String, node: Node)]? {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            fail(node, path, "expected a list, found \(describe(node))")
            return nil
        }
        var entries: [(text: String, node: Node)] = []
        var valid = true
        for (index, item) in sequence.enumerated() {
            guard case .scalar(let scalar) = item, !isNull(item) else {
                fail(item, "\(path)[\(index)]", "expected a string, found \(describe(item))")
                valid = false
                continue
            }
            entries.append((scalar.string, item))
        }
        return valid ? entries : nil
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return YAMLScalar.nullWords.contains(scalar.string)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(node) ? "nothing" : "\"\(scalar.string)\""
        }
    }

    private mutating func fail(_ node: Node, _ path: String, _ message: String) {
        let mark = node.mark
        errors.append(PolicyError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message))
    }
}
