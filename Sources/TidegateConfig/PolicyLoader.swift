import Foundation
import TidegatePolicy
import Yams

/// Loads policy files (YAML, or JSON, which is YAML) into a `Policy`.
public enum PolicyLoader {
    /// Reads and parses the policy at `path`; errors name the file as given.
    public static func load(path: String) throws(PolicyErrors) -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyErrors([PolicyError(file: path, line: 0, column: 0, path: "", message: "cannot read the policy file")])
        }
        return try parse(bytes: [UInt8](data), source: path)
    }

    /// Parses policy text; `source` names it in errors.
    public static func parse(text: String, source: String) throws(PolicyErrors) -> Policy {
        try parse(bytes: Array(text.utf8), source: source)
    }

    public static func parse(bytes: [UInt8], source: String) throws(PolicyErrors) -> Policy {
        func failure(_ error: YAMLSyntaxError) -> PolicyErrors {
            PolicyErrors([PolicyError(
                file: source, line: error.position?.line ?? 1, column: error.position?.column ?? 1, path: "",
                message: error.reason)])
        }
        let text: String
        switch YAMLSource.decodeUTF8(bytes) {
        case .success(let decoded): text = decoded
        case .failure(let error): throw failure(error)
        }
        let root: Yams.Node
        do throws(YAMLSyntaxError) {
            let parser = try YAMLSource.parser(for: text)
            guard let first = try YAMLSource.nextRoot(parser) else {
                throw YAMLSyntaxError(
                    reason: "the policy file is empty (it needs at least apiVersion and kind)",
                    position: SourcePosition(line: 1, column: 1))
            }
            if let second = try YAMLSource.nextRoot(parser) {
                throw YAMLSyntaxError(
                    reason: "a policy file holds one document; found another",
                    position: second.mark.map(SourcePosition.init))
            }
            root = first
        } catch {
            throw failure(error)
        }
        var decoder = PolicyDecoder(file: source)
        let policy = decoder.decode(root)
        guard decoder.errors.isEmpty else { throw PolicyErrors(decoder.errors) }
        return policy
    }
}
