#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import TidegateJSON

/// swift-log handler writing one JSON object per line: what log collectors (Loki, Cloud
/// Logging, Elasticsearch) ingest without parsing rules.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let fileDescriptor: Int32

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
        // Written straight into bytes: one line per admission decision is on the request path.
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func field(_ key: String, _ value: JSONValue) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONWriter.appendString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter().write(value, into: &out)
        }
        field("time", .string(Self.timestamp()))
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
        // One write(2) per line: lines from several event-loop threads never interleave.
        _ = out.withUnsafeBytes { Glibc.write(fileDescriptor, $0.baseAddress, $0.count) }
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
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        // Digits written straight into bytes: this runs once per logged decision.
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(ts.tv_nsec / 1_000_000), 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
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
