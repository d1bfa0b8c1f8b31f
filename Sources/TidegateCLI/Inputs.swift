import TidegateConfig
import TidegateJSON
import TidegatePolicy

/// One object read for a command, with where it came from.
struct InputDocument {
    var source: String
    var object: JSONValue
    /// The AdmissionReview the object came in, when it did.
    var review: JSONValue?
    /// JSON in, JSON out; YAML otherwise.
    var isJSON: Bool
}

/// Where commands get policies and manifests: the only place the CLI touches files.
enum Inputs {
    static func policy(_ path: String?) throws -> Policy {
        guard let path else { return .default }
        do {
            return try PolicyLoader.load(path: path)
        } catch {
            throw CLIError("invalid policy:\n\(error)")
        }
    }

    static func bytes(of path: String) throws -> [UInt8] {
        if path == "-" { return Console.readStandardInput() }
        guard let bytes = FileBytes.read(path) else { throw CLIError("\(path): cannot read file") }
        return bytes
    }

    /// Reads every path (`-` is standard input). Unreadable inputs and bad documents are all
    /// reported, then the command fails with exit code 2.
    static func documents(_ paths: [String]) throws -> [InputDocument] {
        var inputs: [ManifestInput] = []
        var stdinIsJSON = false
        for path in paths {
            if path == "-" {
                let bytes = Console.readStandardInput()
                stdinIsJSON = bytes.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) } == UInt8(ascii: "{")
                inputs.append(.bytes(bytes, name: "-"))
            } else {
                inputs.append(.path(path))
            }
        }
        let batch = ManifestReader().read(inputs)
        if !batch.errors.isEmpty {
            throw CLIError(batch.errors.map(\.description).joined(separator: "\n"))
        }
        return batch.documents.map { d in
            let file = d.source.split(separator: ":").dropLast().joined(separator: ":")
            let isJSON = file == "-" ? stdinIsJSON : file.lowercased().hasSuffix(".json")
            return InputDocument(source: d.source, object: d.value, review: d.review, isJSON: isJSON)
        }
    }

    /// Checks one object as the webhook would: the policy's mode applies, and exempt
    /// namespaces are not checked.
    static func check(_ document: InputDocument, policy: Policy) -> CheckedObject {
        let namespace = document.object["metadata"]?["namespace"]?.stringValue ?? ""
        if let reason = policy.exemptions.reason(namespace: namespace) {
            var exempt = CheckedObject(source: document.source, object: document.object,
                                       evaluation: PolicyEvaluation(pod: nil, findings: []))
            exempt.skipped = reason
            return exempt
        }
        var evaluation = PolicyEngine.evaluate(document.object, policy: policy)
        if policy.mode != .enforce {
            evaluation = PolicyEvaluation(pod: evaluation.pod, findings: evaluation.findings.map { f in
                var f = f
                f.action = policy.effectiveAction(f.action)
                return f
            })
        }
        return CheckedObject(source: document.source, object: document.object, evaluation: evaluation)
    }

    /// Writes objects back in their input's format: pretty JSON, or a YAML stream.
    static func render(_ objects: [(InputDocument, JSONValue)]) throws -> String {
        if let first = objects.first, first.0.isJSON, objects.allSatisfy({ $0.0.isJSON }) {
            if objects.count == 1 { return JSONWriter(style: .pretty).string(first.1) + "\n" }
            return JSONWriter(style: .pretty).string(.array(objects.map(\.1))) + "\n"
        }
        return try YAMLOutput.stream(objects.map(\.1))
    }
}
