import TidegateJSON
import Yams

/// Where each value of a document came from in its YAML source, by JSON Pointer.
public struct SourceMap: Sendable, Equatable {
    var positions: [JSONPointer: SourcePosition]

    init(_ positions: [JSONPointer: SourcePosition] = [:]) { self.positions = positions }

    /// The position of the value at `pointer`, or of its nearest recorded ancestor (a pointer
    /// into a field that a fix would add points at the object that would hold it).
    public func position(of pointer: JSONPointer) -> SourcePosition? {
        var current: JSONPointer? = pointer
        while let p = current {
            if let found = positions[p] { return found }
            current = p.parent
        }
        return nil
    }

    /// The maps of every child of `prefix`, each re-rooted at the child, in one pass (a List
    /// of thousands of items must not rescan the whole map per item).
    func children(of prefix: JSONPointer) -> [String: SourceMap] {
        var result: [String: [JSONPointer: SourcePosition]] = [:]
        let depth = prefix.tokens.count
        for (pointer, position) in positions where pointer.tokens.count > depth && pointer.hasPrefix(prefix) {
            let child = pointer.tokens[depth]
            result[child, default: [:]][JSONPointer(tokens: Array(pointer.tokens.dropFirst(depth + 1)))] = position
        }
        return result.mapValues(SourceMap.init)
    }

    /// The map for the subtree at `prefix`, re-rooted there.
    func subtree(at prefix: JSONPointer) -> SourceMap {
        var result: [JSONPointer: SourcePosition] = [:]
        let depth = prefix.tokens.count
        for (pointer, position) in positions where pointer.hasPrefix(prefix) {
            result[JSONPointer(tokens: Array(pointer.tokens.dropFirst(depth)))] = position
        }
        return SourceMap(result)
    }
}

/// Turns a YAML node tree into JSON the way sigs.k8s.io/yaml does for kubectl: scalars typed by
/// `YAMLScalar`, non-string keys written as their text, `<<` merge keys applied (explicit keys
/// win), aliases expanded. Expansion is bounded in depth and in total size so that an alias
/// bomb (`a: &a [*b, *b, ...]`) fails instead of exhausting memory.
struct YAMLToJSON {
    struct Failure: Error {
        let reason: String
        let position: SourcePosition?
    }

    let maxDepth: Int
    /// Values left to build; aliases are the only way to build more values than the text holds.
    var budget: Int
    let recordPositions: Bool
    private(set) var positions: [JSONPointer: SourcePosition] = [:]

    init(maxDepth: Int = 1000, budget: Int, recordPositions: Bool) {
        self.maxDepth = maxDepth
        self.budget = budget
        self.recordPositions = recordPositions
    }

    mutating func convert(_ node: Node) throws(Failure) -> JSONValue {
        try convert(node, at: .root, depth: 0)
    }

    private mutating func convert(_ node: Node, at pointer: JSONPointer, depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else {
            throw Failure(reason: "nesting deeper than \(maxDepth) levels", position: node.mark.map(SourcePosition.init))
        }
        budget -= 1
        guard budget >= 0 else {
            throw Failure(
                reason: "document expands to too many values (alias expansion?)",
                position: node.mark.map(SourcePosition.init))
        }
        if recordPositions, let mark = node.mark { positions[pointer] = SourcePosition(mark) }
        switch node {
        case .scalar(let scalar):
            do {
                return try YAMLScalar.value(of: scalar)
            } catch {
                guard case .notRepresentable(let reason) = error else { fatalError("unreachable") }
                throw Failure(reason: reason, position: scalar.mark.map(SourcePosition.init))
            }
        case .alias:
            // Yams resolves aliases while composing; this case only appears in built trees.
            throw Failure(reason: "unresolved alias", position: node.mark.map(SourcePosition.init))
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, at: recordPositions ? pointer / index : pointer, depth: depth + 1))
            }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            object.members.reserveCapacity(mapping.count)
            var merges: [Node] = []
            var seen = Set<String>()
            for (keyNode, valueNode) in mapping {
                if isMergeKey(keyNode) {
                    merges.append(valueNode)
                    continue
                }
                let key = try keyText(keyNode)
                let value = try convert(valueNode, at: recordPositions ? pointer / key : pointer, depth: depth + 1)
                if seen.insert(key).inserted {
                    object.members.append(JSONMember(key: key, value: value))
                } else {
                    // `1` and `"1"` are different YAML keys but one JSON key; the later wins, as in kubectl.
                    object[key] = value
                }
            }
            for merge in merges {
                try applyMerge(merge, into: &object, seen: &seen, at: pointer, depth: depth)
            }
            return .object(object)
        }
    }

    /// `<<: *base` or `<<: [*a, *b]`: keys not already present are taken from the merged maps,
    /// earlier maps in a list winning over later ones.
    private mutating func applyMerge(
        _ node: Node, into object: inout JSONObject, seen: inout Set<String>, at pointer: JSONPointer, depth: Int
    ) throws(Failure) {
        let sources: [Node]
        switch node {
        case .mapping: sources = [node]
        case .sequence(let sequence): sources = Array(sequence)
        default:
            throw Failure(reason: "a merge key (<<) needs a mapping or a list of mappings", position: node.mark.map(SourcePosition.init))
        }
        for source in sources {
            guard case .mapping = source else {
                throw Failure(reason: "a merge key (<<) needs a mapping or a list of mappings", position: source.mark.map(SourcePosition.init))
            }
            guard case .object(let merged) = try convert(source, at: pointer, depth: depth) else { continue }
            for member in merged where seen.insert(member.key).inserted {
                object.members.append(JSONMember(key: member.key, value: member.value))
            }
        }
    }

    private func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
    }

    private func keyText(_ node: Node) throws(Failure) -> String {
        guard case .scalar(let scalar) = node else {
            throw Failure(reason: "a mapping key must be a scalar, not a collection", position: node.mark.map(SourcePosition.init))
        }
        return scalar.string
    }
}
