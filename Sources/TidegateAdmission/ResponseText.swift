import TidegateJSON
import TidegatePolicy

/// The denial a user reads after `admission webhook "..." denied the request: `. One block per
/// container, each violation with its rule id and, where mechanical, the fix as JSON Patch.
///
/// Assembled as UTF-8 bytes and kept so until the response is written: it is built for every
/// denied review, and String concatenation/interpolation was ~6k instructions per line (callgrind).
enum DenialMessage {
    /// The message as UTF-8, as the response carries it.
    /// `kind` is the request's, or the object's when a hand-written review leaves it out.
    static func render(_ findings: [Finding], request: AdmissionReviewRequest, kind: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + findings.count * 192)
        out.appendUTF8(kind)
        out.append(UInt8(ascii: " "))
        if !request.namespace.isEmpty {
            out.appendUTF8(request.namespace)
            out.append(UInt8(ascii: "/"))
        }
        // A CREATE with `generateName` has no name yet (every pod a controller makes): say so
        // rather than print a blank.
        out.appendUTF8(request.name.isEmpty ? "(name not yet generated)" : request.name)
        out.appendUTF8(" violates policy (")
        out.appendUTF8(String(findings.count))
        out.appendUTF8(findings.count == 1 ? " violation):" : " violations):")
        for finding in findings {
            out.appendUTF8("\n- ")
            finding.appendMessage(into: &out)
            out.appendUTF8(" [")
            out.appendUTF8(finding.rule)
            out.append(UInt8(ascii: "]"))
            if let fix = finding.fix, !fix.operations.isEmpty {
                out.appendUTF8("; fix: ")
                JSONWriter().write(JSONPatch(fix.operations).json, into: &out)
            }
        }
        return out
    }
}

/// Kubernetes shows each warning as an HTTP `Warning: 299` header: each should stay under 120
/// characters, and past 4096 in total the apiserver truncates and drops them. Lengths are
/// counted in UTF-8 bytes, which is never less than characters.
enum WarningBudget {
    static let perWarning = 120
    static let total = 4096

    static func render(_ findings: [Finding]) -> WarningTexts {
        var out = WarningTexts()
        out.bytes.reserveCapacity(min(total, findings.count * perWarning))
        var used = 0
        for (i, finding) in findings.enumerated() {
            let start = out.bytes.count
            finding.appendMessage(into: &out.bytes)
            out.bytes.appendUTF8(" [")
            out.bytes.appendUTF8(finding.rule)
            out.bytes.append(UInt8(ascii: "]"))
            clip(&out.bytes, from: start, to: perWarning)
            let length = out.bytes.count - start
            let remaining = findings.count - i - 1
            let reserve = remaining > 0 ? 40 : 0
            if used + length + reserve > total {
                out.bytes.removeSubrange(start...)
                out.bytes.appendUTF8("\(findings.count - i) more warnings not shown; run tidegate check")
                out.ends.append(out.bytes.count)
                break
            }
            out.ends.append(out.bytes.count)
            used += length
        }
        return out
    }

    /// Cuts the text from `start` to the end of `bytes` to at most `limit` bytes, counted as
    /// the apiserver (Go) counts: never more than the limit, and far cheaper than counting
    /// grapheme clusters. Cut on a scalar boundary, then `…`.
    static func clip(_ bytes: inout [UInt8], from start: Int, to limit: Int) {
        guard bytes.count - start > limit else { return }
        let ellipsis: StaticString = "…"
        var end = start + limit - ellipsis.utf8CodeUnitCount
        // Back up to the start of a scalar: never cut a multi-byte character in half.
        while end > start, UTF8.isContinuation(bytes[end]) { end -= 1 }
        bytes.removeSubrange(end...)
        bytes.appendUTF8(ellipsis)
    }
}

/// Warning texts back to back as UTF-8, with where each ends: one buffer for all of a review's
/// warnings instead of a String each.
struct WarningTexts: Sendable, Equatable {
    var bytes: [UInt8] = []
    var ends: [Int] = []

    init() {}

    init(_ texts: [String]) {
        for text in texts {
            bytes.appendUTF8(text)
            ends.append(bytes.count)
        }
    }

    var isEmpty: Bool { ends.isEmpty }
    var count: Int { ends.count }
    var byteCount: Int { bytes.count }

    var strings: [String] {
        var out: [String] = []
        forEach { _, text in out.append(String(decoding: text, as: UTF8.self)) }
        return out
    }

    func forEach(_ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            for (i, end) in ends.enumerated() {
                body(i, UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
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
