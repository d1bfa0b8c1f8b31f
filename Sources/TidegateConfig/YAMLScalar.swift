import TidegateJSON
import Yams

/// Types untagged plain scalars the way `kubectl` does (sigs.k8s.io/yaml over go-yaml v2, a
/// YAML 1.1 resolver): `yes`/`no`/`on`/`off`/`y`/`n` in any of their spellings are booleans,
/// `0644` is octal, `~` and the empty scalar are null. Following kubectl rather than YAML 1.2
/// matters for a gate: `privileged: yes` reaches the cluster as `true`, so it must be checked
/// as `true` here. Quoted, literal and folded scalars are always strings.
enum YAMLScalar {
    static let trueWords: Set<String> = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    static let falseWords: Set<String> = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    enum Failure: Error { case notRepresentable(String) }

    static func value(of scalar: Node.Scalar) throws(Failure) -> JSONValue {
        let text = scalar.string
        // Tag names compare by raw value: Yams keeps `Tag.name` internal.
        switch Tag.Name(rawValue: scalar.tag.rawValue) {
        case .str: return .string(text)
        case .null: return .null
        case .bool:
            if trueWords.contains(text) { return .bool(true) }
            if falseWords.contains(text) { return .bool(false) }
            throw .notRepresentable("\"\(text)\" is tagged !!bool but is not a boolean")
        case .int, .float:
            if let number = number(text) { return .number(number) }
            throw .notRepresentable("\"\(text)\" is tagged as a number but is not one JSON can hold")
        case .implicit, .nonSpecific:
            break
        default:
            // Other explicit tags (!!timestamp, custom tags) keep their text, as kubectl does.
            return .string(text)
        }
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) { return .bool(true) }
        if falseWords.contains(text) { return .bool(false) }
        if let first = text.utf8.first, first == UInt8(ascii: ".") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "+") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        {
            if isInfinityOrNaN(text) {
                throw .notRepresentable("\(text) has no JSON representation")
            }
            if let number = number(text) { return .number(number) }
        }
        return .string(text)
    }

    /// The scalar as a JSON number: JSON-shaped text is kept as written; YAML 1.1 integer forms
    /// (`0x1F`, `0o17`, `017`, `0b101`, `+5`, `1_000`) and floats (`.5`, `1.`) are converted.
    static func number(_ text: String) -> JSONNumber? {
        if isJSONNumber(text) { return JSONNumber(text: text) }
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let digits = body.replacingOccurrences(of: "_", with: "")
        guard !digits.isEmpty else { return nil }
        var magnitude: Int64?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            magnitude = Int64(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0o") || digits.hasPrefix("0O") {
            magnitude = Int64(digits.dropFirst(2), radix: 8)
        } else if digits.hasPrefix("0b") || digits.hasPrefix("0B") {
            magnitude = Int64(digits.dropFirst(2), radix: 2)
        } else if digits.count > 1, digits.hasPrefix("0"), digits.allSatisfy({ $0 >= "0" && $0 <= "7" }) {
            magnitude = Int64(digits.dropFirst(), radix: 8)
        } else if digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) {
            magnitude = Int64(digits, radix: 10)
        }
        if let magnitude { return JSONNumber(negative ? -magnitude : magnitude) }
        guard isYAMLFloat(digits), let double = Double(digits), double.isFinite else { return nil }
        let value = negative ? -double : double
        if value.rounded() == value, abs(value) < 9.0e15 { return JSONNumber(Int64(value)) }
        return JSONNumber(text: "\(value)")
    }

    private static func isInfinityOrNaN(_ text: String) -> Bool {
        var body = Substring(text)
        if let sign = body.first, sign == "+" || sign == "-" { body = body.dropFirst() }
        return [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(body)
    }

    /// digits with an optional fraction and exponent, or a leading-dot fraction.
    private static func isYAMLFloat(_ text: String) -> Bool {
        var sawDigit = false
        var sawDot = false
        var sawExponent = false
        var previous: Character = " "
        for c in text {
            switch c {
            case "0"..."9": sawDigit = true
            case ".": if sawDot || sawExponent { return false } else { sawDot = true }
            case "e", "E": if sawExponent || !sawDigit { return false } else { sawExponent = true }
            case "+", "-": if previous != "e" && previous != "E" { return false }
            default: return false
            }
            previous = c
        }
        return sawDigit && previous != "e" && previous != "E" && previous != "+" && previous != "-"
    }

    /// RFC 8259 number syntax.
    static func isJSONNumber(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        func digit(_ i: Int) -> Bool { i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return false }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == b.count
    }
}
