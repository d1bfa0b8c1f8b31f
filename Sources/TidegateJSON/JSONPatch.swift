/// One RFC 6902 operation.
public enum PatchOperation: Sendable, Equatable {
    case add(JSONPointer, JSONValue)
    case remove(JSONPointer)
    case replace(JSONPointer, JSONValue)
    case move(from: JSONPointer, to: JSONPointer)
    case copy(from: JSONPointer, to: JSONPointer)
    case test(JSONPointer, JSONValue)

    public var path: JSONPointer {
        switch self {
        case .add(let p, _), .remove(let p), .replace(let p, _), .test(let p, _): p
        case .move(_, let p), .copy(_, let p): p
        }
    }

    /// The operation as RFC 6902 JSON: `{"op":"add","path":"/a","value":1}`.
    public var json: JSONValue {
        switch self {
        case .add(let p, let v): ["op": "add", "path": .string(p.description), "value": v]
        case .remove(let p): ["op": "remove", "path": .string(p.description)]
        case .replace(let p, let v): ["op": "replace", "path": .string(p.description), "value": v]
        case .test(let p, let v): ["op": "test", "path": .string(p.description), "value": v]
        case .move(let f, let p): ["op": "move", "from": .string(f.description), "path": .string(p.description)]
        case .copy(let f, let p): ["op": "copy", "from": .string(f.description), "path": .string(p.description)]
        }
    }

    /// Reads an operation from its RFC 6902 JSON form.
    public init(json: JSONValue) throws(JSONPatchError) {
        guard let o = json.objectValue, let op = o["op"]?.stringValue else {
            throw .invalidOperation("an operation is an object with an \"op\" string")
        }
        func pointer(_ key: String) throws(JSONPatchError) -> JSONPointer {
            guard let s = o[key]?.stringValue else { throw .invalidOperation("\"\(op)\" needs a \"\(key)\" string") }
            guard let p = JSONPointer(s) else { throw .invalidOperation("\"\(s)\" is not a JSON Pointer") }
            return p
        }
        func value() throws(JSONPatchError) -> JSONValue {
            guard let v = o["value"] else { throw .invalidOperation("\"\(op)\" needs a \"value\"") }
            return v
        }
        switch op {
        case "add": self = .add(try pointer("path"), try value())
        case "remove": self = .remove(try pointer("path"))
        case "replace": self = .replace(try pointer("path"), try value())
        case "test": self = .test(try pointer("path"), try value())
        case "move": self = .move(from: try pointer("from"), to: try pointer("path"))
        case "copy": self = .copy(from: try pointer("from"), to: try pointer("path"))
        default: throw .invalidOperation("unknown op \"\(op)\"")
        }
    }
}

public enum JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOperation(String)
    case pathNotFound(JSONPointer)
    case testFailed(JSONPointer)
    case invalidTarget(JSONPointer, String)

    public var description: String {
        switch self {
        case .invalidOperation(let m): "invalid patch operation: \(m)"
        case .pathNotFound(let p): "patch path \(p) does not exist"
        case .testFailed(let p): "patch test failed at \(p)"
        case .invalidTarget(let p, let m): "cannot patch \(p): \(m)"
        }
    }
}

/// A sequence of operations applied atomically, as RFC 6902 requires.
public struct JSONPatch: Sendable, Equatable {
    public var operations: [PatchOperation]

    public init(_ operations: [PatchOperation] = []) { self.operations = operations }

    public var json: JSONValue { .array(operations.map(\.json)) }

    public func applied(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for op in operations {
            switch op {
            case .add(let p, let v): try Self.add(v, at: p, in: &doc)
            case .remove(let p): _ = try Self.remove(at: p, in: &doc)
            case .replace(let p, let v):
                try Self.replace(v, at: p, in: &doc)
            case .test(let p, let v):
                guard let current = doc.value(at: p) else { throw .pathNotFound(p) }
                guard current == v else { throw .testFailed(p) }
            case .move(let from, let to):
                if to.hasPrefix(from) && to != from { throw .invalidTarget(to, "cannot move a value into itself") }
                let v = try Self.remove(at: from, in: &doc)
                try Self.add(v, at: to, in: &doc)
            case .copy(let from, let to):
                guard let v = doc.value(at: from) else { throw .pathNotFound(from) }
                try Self.add(v, at: to, in: &doc)
            }
        }
        return doc
    }

    private static func add(_ value: JSONValue, at pointer: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) {
        guard let last = pointer.lastToken, let parent = pointer.parent else {
            doc = value
            return
        }
        try modify(at: parent, in: &doc, whole: pointer) { (container: inout JSONValue) throws(JSONPatchError) in
            switch container {
            case .object(var o):
                o[last] = value
                container = .object(o)
            case .array(var a):
                if last == "-" {
                    a.append(value)
                } else {
                    guard let i = arrayIndex(last), i <= a.count else { throw .pathNotFound(pointer) }
                    a.insert(value, at: i)
                }
                container = .array(a)
            default:
                throw .invalidTarget(pointer, "parent is \(container.typeName)")
            }
        }
    }

    /// Replaces in place, so a member keeps its position in the object.
    private static func replace(_ value: JSONValue, at pointer: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) {
        guard let last = pointer.lastToken, let parent = pointer.parent else {
            doc = value
            return
        }
        try modify(at: parent, in: &doc, whole: pointer) { (container: inout JSONValue) throws(JSONPatchError) in
            switch container {
            case .object(var o):
                guard o[last] != nil else { throw .pathNotFound(pointer) }
                o[last] = value
                container = .object(o)
            case .array(var a):
                guard let i = arrayIndex(last), a.indices.contains(i) else { throw .pathNotFound(pointer) }
                a[i] = value
                container = .array(a)
            default:
                throw .pathNotFound(pointer)
            }
        }
    }

    private static func remove(at pointer: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let last = pointer.lastToken, let parent = pointer.parent else {
            throw .invalidTarget(pointer, "cannot remove the whole document")
        }
        var removed: JSONValue = .null
        try modify(at: parent, in: &doc, whole: pointer) { (container: inout JSONValue) throws(JSONPatchError) in
            switch container {
            case .object(var o):
                guard let v = o[last] else { throw .pathNotFound(pointer) }
                removed = v
                o[last] = nil
                container = .object(o)
            case .array(var a):
                guard let i = arrayIndex(last), a.indices.contains(i) else { throw .pathNotFound(pointer) }
                removed = a.remove(at: i)
                container = .array(a)
            default:
                throw .pathNotFound(pointer)
            }
        }
        return removed
    }

    /// RFC 6901 array indices: `0` or digits without a leading zero.
    private static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }

    private static func modify(
        at pointer: JSONPointer, in doc: inout JSONValue, whole: JSONPointer,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        try modify(tokens: pointer.tokens[...], in: &doc, whole: whole, body)
    }

    private static func modify(
        tokens: ArraySlice<String>, in node: inout JSONValue, whole: JSONPointer,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        guard let first = tokens.first else {
            try body(&node)
            return
        }
        switch node {
        case .object(var o):
            guard var child = o[first] else { throw .pathNotFound(whole) }
            // Release the parent's reference first so the child is mutated in place, not copied.
            o[first] = .null
            try modify(tokens: tokens.dropFirst(), in: &child, whole: whole, body)
            o[first] = child
            node = .object(o)
        case .array(var a):
            guard let i = arrayIndex(first), a.indices.contains(i) else { throw .pathNotFound(whole) }
            var child = a[i]
            a[i] = .null
            try modify(tokens: tokens.dropFirst(), in: &child, whole: whole, body)
            a[i] = child
            node = .array(a)
        default:
            throw .pathNotFound(whole)
        }
    }
}
