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
            func field(_ key: String, _ value: JSONValue) {
                out.append(UInt8(ascii: ","))
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
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: timestampLength) { buffer in
            writeTimestamp(seconds: seconds, milliseconds: milliseconds, to: buffer.baseAddress!)
            out.append(contentsOf: buffer)
        }
    }

    static let timestampLength = 24

    /// Writes exactly `timestampLength` bytes at `p`.
    static func writeTimestamp(seconds: Int, milliseconds: Int, to p: UnsafeMutablePointer<UInt8>) {
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
        @inline(__always) func digit(_ value: Int, at offset: Int) {
            p[offset] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
        }
        @inline(__always) func two(_ value: Int, at offset: Int, then separator: StaticString) {
            digit(value / 10, at: offset)
            digit(value, at: offset + 1)
            p[offset + 2] = separator.utf8Start.pointee
        }
        digit(year / 1000, at: 0)
        digit(year / 100, at: 1)
        two(year, at: 2, then: "-")
        two(month, at: 5, then: "-")
        two(day, at: 8, then: "T")
        two(secondOfDay / 3600, at: 11, then: ":")
        two(secondOfDay / 60 % 60, at: 14, then: ":")
        two(secondOfDay % 60, at: 17, then: ".")
        digit(milliseconds / 100, at: 20)
        two(milliseconds, at: 21, then: "Z")
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

    /// Writes one line; `members` writes `"name":value` pairs, comma-separated, without a leading
    /// comma, and at most `bound` bytes (see `JSONLineWriter.bound(of:)`). `context` is handed to
    /// `members` rather than captured, which copied it.
    func write<Context>(bound: Int, _ context: Context,
                        _ members: (inout JSONLineWriter, Context) -> Void) {
        let capacity = 10 + JSONLogHandler.timestampLength + head.count + 1 + bound + tail.count
        LineOutput.append(to: fileDescriptor, reserving: capacity) { start in
            var writer = JSONLineWriter(start, capacity: capacity)
            writer.literal(#"{"time":""#)
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            writer.timestamp(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec / 1_000_000))
            writer.bytes(head)
            writer.literal(",")
            members(&writer, context)
            writer.bytes(tail)
            return writer.written(since: start)
        }
    }
}

/// Writes JSON straight into a buffer the caller sized with `bound(of:)`: the decision line is
/// some 40 pieces, and appending each to an array cost ~90 instructions of bookkeeping apiece.
struct JSONLineWriter {
    private var cursor: UnsafeMutablePointer<UInt8>
    /// Just past the room the caller reserved. Every write checks it first: a bound computed
    /// too small (a field added to a line but not to its bound) stops the process rather than
    /// write past the buffer.
    private let end: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        cursor = start
        end = start + capacity
    }

    @inline(__always)
    private func ensure(_ count: Int) {
        precondition(end - cursor >= count, "a log line overran the room its bound reserved")
    }

    func written(since start: UnsafeMutablePointer<UInt8>) -> Int { cursor - start }

    /// The most bytes `string(s)` writes: every byte escaped as `\u00XX`, plus the quotes.
    static func bound(of s: String) -> Int { JSONWriter.escapedBound(s.utf8.count) + 2 }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        ensure(text.utf8CodeUnitCount)
        cursor.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        cursor += text.utf8CodeUnitCount
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        ensure(1)
        cursor.pointee = b
        cursor += 1
    }

    mutating func bytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { copy($0) }
    }

    @inline(__always)
    private mutating func copy(_ run: UnsafeBufferPointer<UInt8>) {
        guard let base = run.baseAddress else { return }
        ensure(run.count)
        cursor.update(from: base, count: run.count)
        cursor += run.count
    }

    mutating func string(_ s: String) {
        byte(UInt8(ascii: "\""))
        stringContents(s)
        byte(UInt8(ascii: "\""))
    }

    /// The contents of a JSON string, without the quotes, escaped by `JSONWriter`.
    mutating func stringContents(_ s: String) {
        var s = s
        s.withUTF8 {
            ensure(JSONWriter.escapedBound($0.count))
            cursor += JSONWriter.escape($0, into: cursor)
        }
    }

    /// At most 20 bytes.
    mutating func decimal(_ value: Int) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            if value == .min {
                literal("9223372036854775808")
                return
            }
        }
        var rest = value.magnitude
        var divisor: UInt = 1
        while divisor <= rest / 10 { divisor *= 10 }
        while divisor > 0 {
            byte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    mutating func timestamp(seconds: Int, milliseconds: Int) {
        ensure(JSONLogHandler.timestampLength)
        JSONLogHandler.writeTimestamp(seconds: seconds, milliseconds: milliseconds, to: cursor)
        cursor += JSONLogHandler.timestampLength
    }

    /// What `body` writes into a buffer of `bound` bytes, as an array (for tests).
    static func bytes(bound: Int, _ body: (inout JSONLineWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            var writer = JSONLineWriter(buffer.baseAddress!, capacity: bound)
            body(&writer)
            count = writer.written(since: buffer.baseAddress!)
        }
    }
}

/// Fields already encoded as JSON members (`"uid":"…","allowed":true`), for log lines on the
/// request path: building a metadata dictionary of strings per request cost more than the
/// policy decision it records.
public struct JSONLogFields: CustomStringConvertible, Sendable {
    public let bytes: [UInt8]

    /// Members already written (`"a":1,"b":"x"`), e.g. by a `JSONLineWriter`.
    init(encoded: [UInt8]) { bytes = encoded }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
