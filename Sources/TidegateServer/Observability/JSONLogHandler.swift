#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import TidegateJSON
import TidegateTransport

/// swift-log handler writing one JSON object per line: what log collectors (Loki, Cloud
/// Logging, Elasticsearch) ingest without parsing rules.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let fileDescriptor: Int32

    public init(label: String, level: Logger.Level = .info, fileDescriptor: Int32 = 2) {
        self.label = label
        self.logLevel = level
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        LineOutput.append(to: fileDescriptor) { out in
            let lineStart = out.count
            func field(_ key: String, _ value: JSONValue) {
                out.append(out.count == lineStart ? UInt8(ascii: "{") : UInt8(ascii: ","))
                JSONWriter.appendString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                JSONWriter().write(value, into: &out)
            }
            out.append(contentsOf: #"{"time":""#.utf8)
            Self.appendTimestamp(into: &out)
            out.append(UInt8(ascii: "\""))
            field("level", .string(event.level.rawValue))
            field("logger", .string(label))
            field("msg", .string(event.message.description))
            let own = event.metadata ?? [:]
            for key in own.keys.sorted() {
                // Pre-encoded fields are spliced in at top level, under their own names.
                if case .stringConvertible(let value) = own[key]!, let fields = value as? JSONLogFields {
                    if !fields.bytes.isEmpty {
                        out.append(UInt8(ascii: ","))
                        out.append(contentsOf: fields.bytes)
                    }
                    continue
                }
                field(key, Self.json(own[key]!))
            }
            for key in metadata.keys.sorted() where own[key] == nil { field(key, Self.json(metadata[key]!)) }
            out.append(contentsOf: "}\n".utf8)
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s):
            return .string(s)
        case .stringConvertible(let c):
            if let b = c as? Bool { return .bool(b) }
            if let i = c as? Int { return .number(JSONNumber(i)) }
            if let d = c as? Double { return .number(JSONNumber(text: String(d))) }
            return .string(c.description)
        case .array(let a):
            return .array(a.map(json))
        case .dictionary(let d):
            return .object(JSONObject(d.keys.sorted().map { (key: $0, value: json(d[$0]!)) }))
        }
    }

    /// RFC 3339 UTC with milliseconds, from the realtime clock.
    static func timestamp() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendTimestamp(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The calendar date is computed from the day number (Hinnant's civil_from_days) rather than
    /// with gmtime_r, which takes glibc's timezone lock: about 1,500 instructions per log line.
    static func appendTimestamp(into out: inout [UInt8]) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        appendTimestamp(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec / 1_000_000), into: &out)
    }

    static func appendTimestamp(seconds: Int, milliseconds: Int, into out: inout [UInt8]) {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Constant divisors compile to multiplications; a loop over a variable one did not.
        @inline(__always) func two(_ value: Int, then separator: UInt8) {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10 % 10))
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
            out.append(separator)
        }
        two(year / 100, then: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: year / 10 % 10))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: year % 10))
        out.append(UInt8(ascii: "-"))
        two(month, then: UInt8(ascii: "-"))
        two(day, then: UInt8(ascii: "T"))
        two(secondOfDay / 3600, then: UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60, then: UInt8(ascii: ":"))
        two(secondOfDay % 60, then: UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: milliseconds / 100 % 10))
        two(milliseconds, then: UInt8(ascii: "Z"))
    }
}

/// One message at one level whose members the caller writes as JSON bytes: the request path's
/// decision line. It is the line `JSONLogHandler.log(event:)` writes for the message with the
/// members spliced in (`JSONLogFields`), less the metadata dictionary, the sorting and the casts,
/// which measured at 28,000 instructions per request against the policy decision's 110,000.
struct JSONLogLine: Sendable {
    let fileDescriptor: Int32
    /// `","level":…,"logger":…,"msg":…`: what follows the time.
    private let head: [UInt8]
    /// The handler's own metadata members and the line end.
    private let tail: [UInt8]

    /// Nil unless `logger` writes through a `JSONLogHandler` and logs `level`.
    init?(_ logger: Logger, level: Logger.Level, message: String) {
        guard let handler = logger.handler as? JSONLogHandler, handler.metadataProvider == nil,
              handler.logLevel <= level
        else { return nil }
        fileDescriptor = handler.fileDescriptor
        var head: [UInt8] = []
        head.append(UInt8(ascii: "\""))
        for (key, value) in [("level", level.rawValue), ("logger", handler.label), ("msg", message)] {
            head.append(UInt8(ascii: ","))
            JSONWriter.appendString(key, into: &head)
            head.append(UInt8(ascii: ":"))
            JSONWriter.appendString(value, into: &head)
        }
        self.head = head
        var tail: [UInt8] = []
        for key in handler.metadata.keys.sorted() where key != JSONLogLine.membersKey {
            tail.append(UInt8(ascii: ","))
            JSONWriter.appendString(key, into: &tail)
            tail.append(UInt8(ascii: ":"))
            JSONWriter().write(JSONLogHandler.json(handler.metadata[key]!), into: &tail)
        }
        tail.append(contentsOf: "}\n".utf8)
        self.tail = tail
    }

    /// The metadata key the generic path carries the members under (it never shows in the line).
    static let membersKey = "decision"

    /// Writes one line; `members` appends `"name":value` pairs, comma-separated, without a leading comma.
    func write(_ members: (inout [UInt8]) -> Void) {
        LineOutput.append(to: fileDescriptor) { out in
            out.append(contentsOf: #"{"time":""#.utf8)
            JSONLogHandler.appendTimestamp(into: &out)
            out.append(contentsOf: head)
            out.append(UInt8(ascii: ","))
            members(&out)
            out.append(contentsOf: tail)
        }
    }
}

/// Appending JSON straight to a line. Free functions on `[UInt8]` rather than a constrained
/// `Array` extension, which the compiler left generic (300 instructions per key).
enum JSONLineBytes {
    /// Appends literal bytes (`,"uid":`) in one copy.
    @inline(__always)
    static func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The same escaping as `JSONWriter.appendString`, without the quotes. Clean runs are found
    /// eight bytes at a time and copied whole: names, uids and rule ids rarely need escaping.
    static func appendStringContents(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let count = bytes.count
            var start = 0
            var i = 0
            while i < count {
                if i + 8 <= count {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if !mayNeedEscaping(word) {
                        i += 8
                        continue
                    }
                }
                let b = base[i]
                i += 1
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - 1 - start))
                start = i
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                default:
                    let digits: StaticString = "0123456789abcdef"
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30,
                                            digits.utf8Start[Int(b >> 4)], digits.utf8Start[Int(b & 0xF)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
        }
    }

    /// Whether any byte of `word` is a control character, `"` or `\` (exact as a yes/no answer).
    @inline(__always)
    private static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let belowSpace = (word &- ones &* 0x20) & ~word & highs != 0
        return belowSpace || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendStringContents(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            if value == .min {
                appendLiteral("9223372036854775808", to: &out)
                return
            }
        }
        var rest = value.magnitude
        var divisor: UInt = 1
        while divisor <= rest / 10 { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// Fields already encoded as JSON members (`"uid":"…","allowed":true`), for log lines on the
/// request path: building a metadata dictionary of strings per request cost more than the
/// policy decision it records.
public struct JSONLogFields: CustomStringConvertible, Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(256) }

    private mutating func key(_ name: String) {
        if !bytes.isEmpty { bytes.append(UInt8(ascii: ",")) }
        JSONWriter.appendString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: String, _ value: String) {
        key(name)
        JSONWriter.appendString(value, into: &bytes)
    }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func add(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func add(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(v, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
