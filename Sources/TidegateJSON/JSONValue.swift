/// A JSON document as a tree. Objects keep their members in source order so that a manifest
/// printed back after a fix reads like the one the user wrote.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as a whole number, if it is one (`1000`, `1e3` and `1000.0` all qualify).
    public var integerValue: Int64? {
        if case .number(let n) = self { return n.integerValue }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name, for error messages ("expected a string, found an object").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A number kept as its source text, so that a value the policy never reads is written back
/// exactly as it came (no `1e3` turning into `1000.0`).
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    public init(text: String) { self.text = text }
    public init(_ value: Int64) { self.text = String(value) }
    public init(_ value: Int) { self.text = String(value) }

    public var integerValue: Int64? {
        if let i = Int64(text) { return i }
        if let d = Double(text), d.rounded() == d, abs(d) < 9.2e18 { return Int64(d) }
        return nil
    }

    public var doubleValue: Double? { Double(text) }
    public var description: String { text }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        if a.text == b.text { return true }
        guard let x = a.doubleValue, let y = b.doubleValue else { return false }
        return x == y
    }
}

/// An ordered JSON object. Lookups are linear: Kubernetes objects have a handful of keys per
/// level, where a scan beats hashing every key while parsing.
public struct JSONObject: Sendable, Equatable, Sequence {
    /// A struct rather than a tuple: arrays of tuples are destroyed through the runtime's
    /// generic path, which showed up as a fifth of the cost of reading a large review.
    public var members: [JSONMember]

    public init() { members = [] }
    public init(members: [JSONMember]) { self.members = members }
    public init(_ members: [(key: String, value: JSONValue)]) { self.members = members.map { JSONMember(key: $0.key, value: $0.value) } }

    /// A repeated name resolves to its last occurrence, as Go's `encoding/json` (and so the
    /// apiserver) reads it: a policy must see the value Kubernetes will use.
    public subscript(key: String) -> JSONValue? {
        get {
            // Comparing lengths first skips most members without a full string comparison.
            let count = key.utf8.count
            return members.withUnsafeBufferPointer { all in
                var i = all.count
                while i > 0 {
                    i -= 1
                    if all[i].key.utf8.count == count && all[i].key == key { return all[i].value }
                }
                return nil
            }
        }
        set {
            guard let v = newValue else {
                // Every occurrence: removing only the last would bring an earlier one back.
                members.removeAll { $0.key == key }
                return
            }
            if let i = members.lastIndex(where: { $0.key == key }) {
                members[i].value = v
            } else {
                members.append(JSONMember(key: key, value: v))
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// Iterates `(key, value)` pairs in source order.
    public func makeIterator() -> LazyMapSequence<[JSONMember], (key: String, value: JSONValue)>.Iterator {
        members.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }

    /// Member order does not matter for equality (RFC 8259: an object is an unordered set);
    /// repeated names compare by the value that counts, the last.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        if a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy({ $0.key == $1.key && $0.value == $1.value }) {
            return true
        }
        let keys = Set(a.members.map(\.key))
        guard keys == Set(b.members.map(\.key)) else { return false }
        return keys.allSatisfy { a[$0] == b[$0] }
    }
}

/// One `"key": value` of an object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}
