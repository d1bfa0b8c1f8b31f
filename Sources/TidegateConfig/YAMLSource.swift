import Foundation
import Yams

/// A position in a source text: 1-based line and column (columns count Unicode scalars, as
/// libyaml does).
public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// Why a YAML text could not be read, and where.
struct YAMLSyntaxError: Error {
    let reason: String
    let position: SourcePosition?
}

/// The YAML front end shared by policy files and manifests: UTF-8 validation, then libyaml
/// through Yams' node API with no implicit typing (scalars are typed here, the Kubernetes way,
/// not by Yams' regular expressions, which also makes large files several times faster).
///
/// Nesting: libyaml stops at 1000 nested collections with an error, which bounds Yams'
/// recursive composer; the converters bound their own recursion separately because aliases
/// can build deeper trees than the text shows.
enum YAMLSource {
    /// Checks the bytes are UTF-8 and returns the text; an error names the first bad byte.
    static func decodeUTF8(_ bytes: [UInt8]) -> Result<String, YAMLSyntaxError> {
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        var offset = 0
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        return .failure(
            YAMLSyntaxError(
                reason: "invalid UTF-8 at byte offset \(offset)",
                position: position(ofByte: offset, in: bytes)))
    }

    /// Line and column of a byte offset, counting columns in scalars like libyaml.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> SourcePosition {
        var line = 1
        var column = 1
        let end = min(offset, bytes.count)
        for i in 0..<end {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }

    static func parser(for text: String) throws(YAMLSyntaxError) -> Parser {
        if let refusal = YAMLAliasGuard.check(text.utf8) { throw refusal }
        do {
            return try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
        } catch {
            throw syntaxError(error)
        }
    }

    /// The next document root, or nil at the end of the stream. An empty document is a null scalar.
    static func nextRoot(_ parser: Parser) throws(YAMLSyntaxError) -> Node? {
        do {
            return try parser.nextRoot()
        } catch {
            throw syntaxError(error)
        }
    }

    static func syntaxError(_ error: any Error) -> YAMLSyntaxError {
        guard let yaml = error as? YamlError else {
            return YAMLSyntaxError(reason: String(describing: error), position: nil)
        }
        switch yaml {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var reason = problem
            if let context, !context.text.isEmpty { reason += " (\(context.text) at \(context.mark))" }
            return YAMLSyntaxError(reason: reason, position: SourcePosition(mark))
        case .reader(let problem, let offset, _, let text):
            let position = offset.map { YAMLSource.position(ofByte: $0, in: Array(text.utf8)) }
            return YAMLSyntaxError(reason: problem, position: position)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return YAMLSyntaxError(reason: "duplicate key \(keys)", position: SourcePosition(context.mark))
        case .memory:
            return YAMLSyntaxError(reason: "out of memory while parsing", position: nil)
        default:
            return YAMLSyntaxError(reason: String(describing: yaml), position: nil)
        }
    }
}

extension SourcePosition {
    init(_ mark: Mark) { self.init(line: mark.line, column: mark.column) }
}
