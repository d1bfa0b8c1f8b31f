import TidegateJSON

/// Builds RFC 6902 operations that apply cleanly to a given document: missing parents are
/// created, existing values the fix does not concern are kept.
public enum FixBuilder {
    /// Operations that make `value` sit at `path`. The first missing (or null, or non-object)
    /// step becomes one `add`/`replace` carrying the nested remainder, so the patch never
    /// addresses a parent that does not exist.
    public static func set(_ value: JSONValue, at path: JSONPointer, in document: JSONValue) -> [PatchOperation] {
        var node = document
        var prefix = JSONPointer.root
        for (i, token) in path.tokens.enumerated() {
            let isLast = i == path.tokens.count - 1
            let here = prefix / token
            let found: JSONValue?
            switch node {
            case .object(let o):
                found = o[token]
            case .array(let a):
                // Arrays (`containers`) are walked, never created or reshaped: an element the
                // document lacks cannot be given a value.
                guard let index = Int(token), a.indices.contains(index) else { return [] }
                found = a[index]
            default:
                // An existing non-object parent (null, a string) is replaced wholesale.
                return [.replace(prefix, nest(value, under: Array(path.tokens[i...])))]
            }
            guard let child = found else {
                return [.add(here, nest(value, under: Array(path.tokens[(i + 1)...])))]
            }
            if isLast {
                return child == value ? [] : [.replace(here, value)]
            }
            switch child {
            case .object, .array:
                node = child
                prefix = here
                continue
            default:
                break
            }
            return [.replace(here, nest(value, under: Array(path.tokens[(i + 1)...])))]
        }
        return [.replace(path, value)]
    }

    /// Operations that make the string array at `path` contain `element` (appending, or
    /// creating the array and its parents).
    public static func appendUnique(_ element: JSONValue, toArrayAt path: JSONPointer, in document: JSONValue) -> [PatchOperation] {
        switch document.value(at: path) {
        case .array(let a):
            return a.contains(element) ? [] : [.add(path / "-", element)]
        default:
            return set([element], at: path, in: document)
        }
    }

    /// Operations that remove `path` if it exists.
    public static func remove(_ path: JSONPointer, in document: JSONValue) -> [PatchOperation] {
        document.value(at: path) == nil ? [] : [.remove(path)]
    }

    private static func nest(_ value: JSONValue, under tokens: [String]) -> JSONValue {
        var v = value
        for t in tokens.reversed() { v = .object(JSONObject([(key: t, value: v)])) }
        return v
    }
}
