import Foundation
import Logging
import Testing
import TidegateAdmission
import TidegateHTTP
import TidegateJSON
import TidegatePolicy
@testable import TidegateServer

/// The decision line is written straight as bytes when the logger is a `JSONLogHandler`; any
/// other handler gets it through swift-log with `JSONLogFields`. Both must give the same line.
@Suite("Decision log lines")
struct DecisionLogTests {
    /// Forwards to a `JSONLogHandler` while hiding its type, which forces the swift-log path.
    struct ForwardingHandler: LogHandler {
        var inner: JSONLogHandler
        var logLevel: Logger.Level {
            get { inner.logLevel }
            set { inner.logLevel = newValue }
        }
        var metadata: Logger.Metadata {
            get { inner.metadata }
            set { inner.metadata = newValue }
        }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { inner[metadataKey: key] }
            set { inner[metadataKey: key] = newValue }
        }
        func log(event: LogEvent) { inner.log(event: event) }
    }

    /// The lines a service logs for `bodies` on `endpoint`, with time and latency masked.
    func lines(direct: Bool, bodies: [[UInt8]], endpoint: AdmissionEndpoint, contentType: String = "application/json") throws -> [String] {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        var logger = Logger(label: "tidegate") { label -> any LogHandler in
            let handler = JSONLogHandler(label: label, level: .info, fileDescriptor: fd)
            return direct ? handler : ForwardingHandler(inner: handler)
        }
        logger[metadataKey: "pod"] = "tidegate-7f9c"
        logger[metadataKey: "replica"] = .stringConvertible(2)
        let service = WebhookService(policy: .default, logger: logger)
        for body in bodies {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            _ = service.admission(HTTPRequest(method: "POST", target: "/\(endpoint.rawValue)", headers: headers, body: body),
                                  endpoint: endpoint)
        }
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map { line -> String in
            String(line).replacing(/"time":"[^"]*"/, with: #""time":"T""#).replacing(/"latency_us":\d+/, with: #""latency_us":0"#)
        }
    }

    func bodies() throws -> [[UInt8]] {
        let pod = String(decoding: try Paths.payloadBytes("pod-small.json"), as: UTF8.self)
        return [
            Array(pod.utf8),
            // Every kind of byte the encoder escapes, and some it passes through.
            Array(pod.replacingOccurrences(of: "jane.doe@example.com", with: #"ja\"ne\\x\u0001\t\n\r/ü\u007f"#).utf8),
            // Exempt: carries `skipped`.
            Array(pod.replacingOccurrences(of: #""namespace":"team-a""#, with: #""namespace":"kube-system""#).utf8),
            try Paths.payloadBytes("deployment-typical.json"),
        ]
    }

    @Test("the direct line equals the swift-log line, field for field", arguments: [AdmissionEndpoint.validate, .mutate])
    func directLineMatchesGenericLine(endpoint: AdmissionEndpoint) throws {
        let bodies = try bodies()
        let direct = try lines(direct: true, bodies: bodies, endpoint: endpoint)
        let generic = try lines(direct: false, bodies: bodies, endpoint: endpoint)
        #expect(direct.count == bodies.count)
        #expect(direct == generic)
        #expect(direct.contains { $0.contains(#""skipped":"#) })
        if endpoint == .mutate { #expect(direct.contains { $0.contains(#""patch_ops":"#) }) }
        #expect(direct.allSatisfy { $0.hasSuffix(#","pod":"tidegate-7f9c","replica":2}"#) })
    }

    @Test("a logger above info writes no decision line")
    func quietLoggerWritesNothing() throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let logger = Logger(label: "tidegate") { JSONLogHandler(label: $0, level: .warning, fileDescriptor: fd) }
        let service = WebhookService(policy: .default, logger: logger)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        let response = service.admission(
            HTTPRequest(method: "POST", target: "/validate", headers: headers, body: try Paths.payloadBytes("pod-small.json")),
            endpoint: .validate)
        #expect(response.status == 200)
        try pipe.fileHandleForWriting.close()
        #expect(pipe.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }

    @Test("content types", arguments: [
        ("application/json", true), ("Application/JSON", true), ("application/json; charset=utf-8", true),
        (" application/json ;charset=utf-8", true), ("\tapplication/json\t", true), (";application/json", true),
        (";;application/json;x", true), ("application/json;", true), ("application/jsonx", false),
        ("application/json x", false), ("text/plain", false), ("", false), (";", false), ("application/", false),
        ("application/json\u{301}", false), ("applicatıon/json", false),
    ])
    func contentTypes(value: String, json: Bool) {
        #expect(WebhookService.isJSON(value) == json)
    }

    @Test func missingContentTypeIsNotJSON() {
        #expect(!WebhookService.isJSON(nil))
    }

    @Test("timestamps match gmtime_r")
    func timestampsMatchGmtime() {
        var samples = [0, 59, 86_399, 86_400, 951_782_400, 951_868_799, 1_709_164_800, 4_107_542_399, 1_798_675_200]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(Int(x >> 34))  // up to year 2514
        }
        for seconds in samples {
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900,
                                  Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
                                  Int(parts.tm_sec), seconds % 1000)
            var out: [UInt8] = []
            JSONLogHandler.appendTimestamp(seconds: seconds, milliseconds: seconds % 1000, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == expected)
            if String(decoding: out, as: UTF8.self) != expected { break }
        }
    }
}

@Suite("Decision line bytes")
struct DecisionLineBytesTests {
    @Test("strings are escaped exactly as JSONWriter escapes them, wherever the special bytes fall")
    func escapingMatchesJSONWriter() {
        let pool: [String] = ["a", "\"", "\\", "\u{1}", "\n", "\r", "\t", "\u{1f}", " ", "é", "€", "/", "\u{7f}", "z", "😀"]
        var x: UInt64 = 42
        for length in 0..<48 {
            for _ in 0..<40 {
                var text = ""
                for _ in 0..<length {
                    x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    // Mostly plain letters, like real names, with the odd special character.
                    let pick = Int(x >> 33) % (pool.count * 3)
                    text += pick < pool.count ? pool[pick] : "k"
                }
                var expected: [UInt8] = []
                JSONWriter.appendString(text, into: &expected)
                let actual = JSONLineWriter.bytes(bound: JSONLineWriter.bound(of: text)) { $0.string(text) }
                #expect(actual == expected, "\(text.debugDescription)")
                if actual != expected { return }
            }
        }
    }

    @Test("decimals", arguments: [0, 7, 10, 99, 100, 12_345, -1, -120, Int.max, Int.min])
    func decimals(value: Int) {
        let out = JSONLineWriter.bytes(bound: 20) { $0.decimal(value) }
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }
}
