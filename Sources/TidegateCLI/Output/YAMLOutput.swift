import TidegateJSON
import Yams

/// Prints JSON values as a YAML stream, keys in their original order. Strings that YAML would
/// read back as something else (`"off"`, `"1.0"`, `"null"`) are quoted.
enum YAMLOutput {
    static func stream(_ values: [JSONValue]) throws -> String {
        let documents = values.map(node)
        var out = ""
        for (i, d) in documents.enumerated() {
            if i > 0 { out += "---\n" }
            out += try Yams.serialize(node: d, indent: 2, width: -1, allowUnicode: true, sequenceStyle: .block, mappingStyle: .block)
        }
        return out
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .number(let n): return Node(n.text, Tag(n.text.contains(where: { ".eE".contains($0) }) ? .float : .int))
        case .string(let s): return .scalar(s.represented())
        case .array(let a): return .sequence(Node.Sequence(a.map(node)))
        case .object(let o): return .mapping(Node.Mapping(o.members.map { (.scalar($0.key.represented()), node($0.value)) }))
        }
    }
}
