import TidegateJSON
import TidegatePolicy

/// One checked object, as `tidegate check` reports it.
struct CheckedObject {
    var source: String
    var kind: String
    var namespace: String
    var name: String
    var evaluation: PolicyEvaluation
    /// Filled by `check --level`.
    var podSecurity: PodSecurityReport?
    /// Why the object was not checked (an exempt namespace), when it was not.
    var skipped: String?

    var allowed: Bool { !evaluation.denied }

    init(source: String, object: JSONValue, evaluation: PolicyEvaluation) {
        self.source = source
        self.kind = object["kind"]?.stringValue ?? ""
        self.namespace = object["metadata"]?["namespace"]?.stringValue ?? ""
        self.name = object["metadata"]?["name"]?.stringValue ?? ""
        self.evaluation = evaluation
    }

    /// The `--output json` entry. Field names are a contract scripts rely on; `skipped` is
    /// added for objects not checked (exempt namespace), `podSecurity` only with `--level`.
    var json: JSONValue {
        var entry: JSONValue = [
            "source": .string(source),
            "kind": .string(kind),
            "namespace": .string(namespace),
            "name": .string(name),
            "allowed": .bool(allowed),
            "findings": .array(evaluation.findings.map(\.json)),
        ]
        if let skipped, case .object(var o) = entry {
            o["skipped"] = .string(skipped)
            entry = .object(o)
        }
        if let report = podSecurity, case .object(var o) = entry {
            o["podSecurity"] = [
                "version": .string(report.version.description),
                "level": .string(report.level.rawValue),
                "nextLevel": report.nextLevel.map { .string($0.rawValue) } ?? .null,
                "blockers": .array(report.failures.map(\.json)),
            ]
            entry = .object(o)
        }
        return entry
    }
}

extension Finding {
    var json: JSONValue {
        [
            "rule": .string(rule),
            "action": .string(action.rawValue),
            "path": .string(path.description),
            "message": .string(message),
            "fix": .array((fix?.operations ?? []).map(\.json)),
        ]
    }
}

/// Text for people: per object, per container, each finding with where it is and its fix.
enum TextReport {
    static func render(_ objects: [CheckedObject], color: Bool) -> String {
        var out = ""
        let paint = Paint(enabled: color)
        for object in objects {
            let who = object.namespace.isEmpty ? object.name : "\(object.namespace)/\(object.name)"
            let verdict: String
            if let reason = object.skipped {
                verdict = paint.dim("not checked (\(reason))")
            } else if object.evaluation.pod == nil {
                verdict = paint.dim("not checked (no pod spec)")
            } else if !object.allowed {
                verdict = paint.red("DENIED")
            } else if object.evaluation.findings.isEmpty {
                verdict = paint.green("allowed")
            } else {
                verdict = paint.yellow("allowed with warnings")
            }
            out += "\(object.source)  \(object.kind) \(who)  \(verdict)\n"
            if let report = object.podSecurity {
                out += "  pod security (\(report.version)): meets \(paint.green(report.level.rawValue))"
                if let next = report.nextLevel {
                    let n = report.failures.count
                    out += "; \(n) thing\(n == 1 ? "" : "s") stand\(n == 1 ? "s" : "") between it and \(next.rawValue):\n"
                    for f in report.failures {
                        out += "    - \(f.message)  [\(f.rule)]\n"
                        if let fix = f.fix, !fix.operations.isEmpty {
                            out += "      fix: \(fix.summary): \(JSONWriter().string(JSONPatch(fix.operations).json))\n"
                        }
                    }
                } else {
                    out += " (the strictest level)\n"
                }
            }
            for group in groups(object.evaluation.findings) {
                out += "  \(group.title):\n"
                for f in group.findings {
                    let mark = f.action == .deny ? paint.red("✗ deny") : paint.yellow("! warn")
                    out += "    \(mark)  \(f.reason)  [\(f.rule)]\n"
                    out += "            at \(f.path)\n"
                    if let fix = f.fix, !fix.operations.isEmpty {
                        out += "            fix: \(fix.summary): \(JSONWriter().string(JSONPatch(fix.operations).json))\n"
                    }
                }
            }
        }
        let denied = objects.filter { !$0.allowed }.count
        let checked = objects.filter { $0.evaluation.pod != nil }.count
        let findings = objects.flatMap(\.evaluation.findings)
        let warns = findings.filter { $0.action == .warn }.count
        let denies = findings.count - warns
        out += "\n\(objects.count) object\(objects.count == 1 ? "" : "s") (\(checked) with a pod spec): "
        out += "\(denied) denied, \(denies) deny finding\(denies == 1 ? "" : "s"), \(warns) warning\(warns == 1 ? "" : "s")\n"
        return out
    }

    struct Group {
        var title: String
        var findings: [Finding]
    }

    /// Pod-level findings first, then each container in spec order.
    static func groups(_ findings: [Finding]) -> [Group] {
        var order: [String] = []
        var byTitle: [String: [Finding]] = [:]
        for f in findings {
            let title = f.container.map { "\($0.kind.noun) \"\($0.name)\"" } ?? "pod"
            if byTitle[title] == nil { order.append(title) }
            byTitle[title, default: []].append(f)
        }
        let pod = order.filter { $0 == "pod" }
        return (pod + order.filter { $0 != "pod" }).map { Group(title: $0, findings: byTitle[$0]!) }
    }
}

/// ANSI colour, only when writing to a terminal.
struct Paint {
    var enabled: Bool
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    private func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}
