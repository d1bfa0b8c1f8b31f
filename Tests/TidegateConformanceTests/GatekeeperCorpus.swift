import Foundation
import Testing
import TidegateConfig
import TidegateJSON

/// One row of `shared/conformance/gatekeeper-library/cases.json`: a constraint, an object, and
/// what Gatekeeper's suite expects.
struct GatekeeperCase: Sendable, CustomTestStringConvertible {
    struct Assertion: Sendable {
        /// nil: at least one; otherwise exactly this many.
        var exactly: Int?
        /// An unanchored regular expression the counted violations' messages match.
        var message: String?
    }

    /// Unique across the corpus (two suite cases share an id and differ in their object).
    var key: String
    var constraintKind: String
    var constraintFile: String
    var objectFile: String
    var operation: String?
    var expectedAllow: Bool
    var assertions: [Assertion]

    var testDescription: String { key }
}

/// Finds and reads the Gatekeeper corpus. The repository is cloned next to a copy of
/// `shared/`, so the corpus is the first `shared/conformance` above this file.
enum GatekeeperCorpus {
    static let root: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/conformance/gatekeeper-library")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("cases.json").path) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// The repository root (the directory holding Package.swift), for docs/conformance.md.
    static let repositoryRoot: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    static let cases: [GatekeeperCase] = {
        guard let root, let data = FileManager.default.contents(atPath: root.appendingPathComponent("cases.json").path),
              let document = try? JSONReader().parse([UInt8](data)),
              let rows = document["cases"]?.arrayValue
        else { return [] }
        return rows.compactMap { row -> GatekeeperCase? in
            guard let id = row["id"]?.stringValue, let kind = row["constraint_kind"]?.stringValue,
                  let constraint = row["constraint_file"]?.stringValue, let object = row["object_file"]?.stringValue,
                  let expected = row["expected"]?.stringValue, expected == "allow" || expected == "deny"
            else { return nil }
            let assertions = (row["assertions"]?.arrayValue ?? []).map { item in
                let violations = item["violations"]
                let exactly: Int? = violations?.integerValue.map(Int.init) ?? (violations?.stringValue == "no" ? 0 : nil)
                return GatekeeperCase.Assertion(exactly: exactly, message: item["message"]?.stringValue)
            }
            let objectName = (object as NSString).lastPathComponent
            return GatekeeperCase(
                key: "\(id) (\(objectName))", constraintKind: kind, constraintFile: constraint, objectFile: object,
                operation: row["admission_operation"]?.stringValue, expectedAllow: expected == "allow",
                assertions: assertions)
        }
    }()

    /// The first document of a corpus file, and the AdmissionReview around it when it came in one.
    static func document(_ relativePath: String) throws -> ManifestDocument {
        guard let root else { throw CorpusError("shared/conformance/gatekeeper-library not found") }
        let batch = ManifestReader().read([.path(root.appendingPathComponent(relativePath).path)])
        if let error = batch.errors.first { throw CorpusError("\(relativePath): \(error)") }
        guard let first = batch.documents.first else { throw CorpusError("\(relativePath): no document") }
        return first
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
