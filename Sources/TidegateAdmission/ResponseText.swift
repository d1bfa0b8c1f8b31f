import TidegateJSON
import TidegatePolicy

/// The denial a user reads after `admission webhook "..." denied the request: `. One block per
/// container, each violation with its rule id and, where mechanical, the fix as JSON Patch.
enum DenialMessage {
    static func render(_ findings: [Finding], request: AdmissionReviewRequest) -> String {
        let target = request.namespace.isEmpty ? request.name : "\(request.namespace)/\(request.name)"
        let count = findings.count == 1 ? "1 violation" : "\(findings.count) violations"
        var lines = ["\(request.kind) \(target) violates policy (\(count)):"]
        for finding in findings {
            var line = "- \(finding.message) [\(finding.rule)]"
            if let fix = finding.fix, !fix.operations.isEmpty {
                line += "; fix: \(JSONWriter().string(JSONPatch(fix.operations).json))"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Kubernetes shows each warning as an HTTP `Warning: 299` header: each should stay under 120
/// characters, and past 4096 in total the apiserver truncates and drops them. Lengths are
/// counted in UTF-8 bytes, which is never less than characters.
enum WarningBudget {
    static let perWarning = 120
    static let total = 4096

    static func render(_ findings: [Finding]) -> [String] {
        var out: [String] = []
        var used = 0
        for (i, finding) in findings.enumerated() {
            // One String, sized once: this runs for every warning of every review.
            var full = String()
            full.reserveCapacity(finding.reason.utf8.count + finding.rule.utf8.count + 64)
            if let c = finding.container {
                full += c.kind.noun
                full += " \""
                full += c.name
                full += "\": "
            }
            full += finding.reason
            full += " ["
            full += finding.rule
            full += "]"
            let text = clip(full, to: perWarning)
            let remaining = findings.count - i - 1
            let reserve = remaining > 0 ? 40 : 0
            if used + text.utf8.count + reserve > total {
                out.append("\(findings.count - i) more warnings not shown; run tidegate check")
                break
            }
            out.append(text)
            used += text.utf8.count
        }
        return out
    }

    static func clip(_ s: String, to limit: Int) -> String {
        // Counted in bytes, as the apiserver (Go) counts: never more than the limit, and far
        // cheaper than counting grapheme clusters. Cut on a scalar boundary.
        guard s.utf8.count > limit else { return s }
        let ellipsis = "…"
        let utf8 = s.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: limit - ellipsis.utf8.count)
        // Back up to the start of a scalar: never cut a multi-byte character in half.
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { utf8.formIndex(before: &end) }
        return String(s[..<end]) + ellipsis
    }
}

/// Audit annotations: keys without `/` (the apiserver prefixes the webhook name) that are
/// qualified names of at most 63 characters.
enum AuditAnnotations {
    static func render(_ recorded: [Finding], mode: Policy.Mode) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = [("mode", mode.rawValue)]
        out.append(("violations", recorded.map { "\($0.rule): \($0.message)" }.joined(separator: "; ")))
        out.append(("rules", Array(Set(recorded.map(\.rule))).sorted().joined(separator: ",")))
        return out
    }
}
