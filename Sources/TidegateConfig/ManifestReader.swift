import Foundation
import TidegateJSON

/// What `tidegate check` reads: a path (file or directory) or the bytes of standard input.
public enum ManifestInput: Sendable, Equatable {
    case path(String)
    /// Bytes already read by the caller (`-` is standard input); `name` appears in sources.
    case bytes([UInt8], name: String)
}

/// Everything read from a set of inputs: documents and errors, each in input order.
public struct ManifestBatch: Sendable {
    public var documents: [ManifestDocument] = []
    public var errors: [ManifestError] = []
}

/// Reads manifests for the command line: files, directories, YAML streams, JSON, Lists and
/// AdmissionReviews, turned into one `ManifestDocument` per object to check.
public struct ManifestReader: Sendable {
    /// Larger files are refused up front, keeping memory bounded (a YAML node tree costs
    /// several times its text).
    public var maxFileBytes: Int = 64 << 20
    /// Documents up to this size keep a source map for line numbers in reports.
    public var sourceMapBytes: Int = 4 << 20
    /// Deepest nesting accepted, the JSON reader's and libyaml's order of magnitude.
    public var maxDepth: Int = 512

    public init() {}

    /// Reads every input; an unreadable input or a bad document becomes an error and reading
    /// goes on with the rest.
    public func read(_ inputs: [ManifestInput]) -> ManifestBatch {
        var batch = ManifestBatch()
        for input in inputs {
            read(input) { result in
                switch result {
                case .success(let document): batch.documents.append(document)
                case .failure(let error): batch.errors.append(error)
                }
            }
        }
        return batch
    }

    /// Reads one input, handing over each document (or error) as soon as it is built, so a
    /// caller that checks and forgets holds one document at a time.
    public func read(_ input: ManifestInput, _ body: (Result<ManifestDocument, ManifestError>) -> Void) {
        switch input {
        case .bytes(let bytes, let name):
            documents(in: bytes, name: name, preferJSON: name.lowercased().hasSuffix(".json"), body)
        case .path(let path):
            let files: [String]
            do {
                files = try ManifestFiles.expand(path)
            } catch {
                body(.failure(error))
                return
            }
            for file in files {
                switch readFile(file) {
                case .success(let bytes):
                    documents(in: bytes, name: file, preferJSON: file.lowercased().hasSuffix(".json"), body)
                case .failure(let error):
                    body(.failure(error))
                }
            }
        }
    }

    /// Splits the bytes of one input into documents.
    public func documents(
        in bytes: [UInt8], name: String, preferJSON: Bool = false,
        _ body: (Result<ManifestDocument, ManifestError>) -> Void
    ) {
        if bytes.count > maxFileBytes {
            body(.failure(ManifestError(path: name, reason: "\(bytes.count) bytes is over the \(maxFileBytes)-byte limit")))
            return
        }
        if preferJSON || looksLikeJSON(bytes) {
            do {
                let value = try JSONReader(maxDepth: maxDepth).parse(bytes)
                emit(value, name: name, index: 0, sourceMap: nil, body)
                return
            } catch {
                // A `{`-led file may still be YAML flow style; only a .json file is JSON for sure.
                if preferJSON {
                    body(.failure(ManifestError(
                        path: name, position: SourcePosition(line: error.line, column: error.column),
                        reason: "invalid JSON: \(error.reason)")))
                    return
                }
            }
        }
        yamlDocuments(in: bytes, name: name, body)
    }

    private func yamlDocuments(in bytes: [UInt8], name: String, _ body: (Result<ManifestDocument, ManifestError>) -> Void) {
        let text: String
        switch YAMLSource.decodeUTF8(bytes) {
        case .success(let decoded): text = decoded
        case .failure(let error):
            body(.failure(ManifestError(path: name, position: error.position, reason: error.reason)))
            return
        }
        let recordPositions = bytes.count <= sourceMapBytes
        var index = 0
        do throws(YAMLSyntaxError) {
            let parser = try YAMLSource.parser(for: text)
            while let root = try YAMLSource.nextRoot(parser) {
                defer { index += 1 }
                var converter = YAMLToJSON(maxDepth: maxDepth, budget: bytes.count + 100_000, recordPositions: recordPositions)
                let value: JSONValue
                do {
                    value = try converter.convert(root)
                } catch {
                    body(.failure(ManifestError(path: name, document: index, position: error.position, reason: error.reason)))
                    continue
                }
                emit(value, name: name, index: index, sourceMap: recordPositions ? SourceMap(converter.positions) : nil, body)
            }
        } catch {
            body(.failure(ManifestError(path: name, document: index, position: error.position, reason: "invalid YAML: \(error.reason)")))
        }
    }

    /// One parsed document becomes zero (empty), one, or many (List) documents to check.
    private func emit(
        _ value: JSONValue, name: String, index: Int, sourceMap: SourceMap?,
        _ body: (Result<ManifestDocument, ManifestError>) -> Void
    ) {
        let source = "\(name):\(index)"
        func failure(_ reason: String, item: String? = nil, at pointer: JSONPointer = .root) -> ManifestError {
            ManifestError(path: name, document: index, item: item, position: sourceMap?.position(of: pointer), reason: reason)
        }
        guard case .object(let object) = value else {
            if value.isNull { return }
            body(.failure(failure("the document is \(value.typeName), expected an object")))
            return
        }
        let kind = object["kind"]?.stringValue ?? ""
        if kind == "AdmissionReview" {
            let pointer = JSONPointer.root / "request" / "object"
            guard case .object = value["request"]?["object"] else {
                body(.failure(failure("an AdmissionReview without request.object (an object) has nothing to check")))
                return
            }
            body(.success(ManifestDocument(
                source: source, value: value["request"]!["object"]!, review: value,
                sourceMap: sourceMap?.subtree(at: pointer))))
            return
        }
        if kind.hasSuffix("List"), case .array(let items)? = object["items"] {
            let itemMaps = sourceMap?.children(of: JSONPointer.root / "items")
            for (n, item) in items.enumerated() {
                let pointer = JSONPointer.root / "items" / n
                guard case .object = item else {
                    body(.failure(failure("the list item is \(item.typeName), expected an object", item: "/items/\(n)", at: pointer)))
                    continue
                }
                body(.success(ManifestDocument(
                    source: "\(source)/items/\(n)", value: item,
                    sourceMap: itemMaps.map { $0[String(n)] ?? SourceMap() })))
            }
            return
        }
        body(.success(ManifestDocument(source: source, value: value, sourceMap: sourceMap)))
    }

    private func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        return i < bytes.count && (bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "["))
    }

    private func readFile(_ path: String) -> Result<[UInt8], ManifestError> {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxFileBytes {
            return .failure(ManifestError(path: path, reason: "\(size) bytes is over the \(maxFileBytes)-byte limit"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(ManifestError(path: path, reason: "cannot open the file"))
        }
        defer { try? handle.close() }
        do {
            // Read at most one byte past the limit: the size from stat may be stale or absent (pipes).
            let data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
            if data.count > maxFileBytes {
                return .failure(ManifestError(path: path, reason: "over the \(maxFileBytes)-byte limit"))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(ManifestError(path: path, reason: "cannot read the file: \(error.localizedDescription)"))
        }
    }
}
