import Foundation
import Logging
import Testing
import TidegateJSON
@testable import TidegateServer

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// Logs through a pipe and returns the line the handler wrote.
    func line(_ body: (Logger) -> Void) throws -> JSONValue {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let logger = Logger(label: "tidegate") { JSONLogHandler(label: $0, level: .info, fileDescriptor: fd) }
        body(logger)
        try pipe.fileHandleForWriting.close()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1, "exactly one line")
        return try JSONReader().parse(Array(data.dropLast()))
    }

    @Test func aDecisionLineCarriesEveryFieldAtTopLevelWithItsJSONType() throws {
        let fields = JSONLogFields(encoded: JSONLineWriter.bytes(bound: 200) { w in
            w.literal(#""uid":"#); w.string("u-1")
            w.literal(#","allowed":false,"latency_us":"#); w.decimal(42)
            w.literal(#","rules":["#); w.string("images.mutableTag=warn"); w.byte(UInt8(ascii: ",")); w.string("quote\"d")
            w.byte(UInt8(ascii: "]"))
        })
        let value = try line { $0.info("decision", metadata: ["decision": .stringConvertible(fields)]) }
        #expect(value["msg"] == "decision")
        #expect(value["level"] == "info")
        #expect(value["uid"] == "u-1")
        #expect(value["allowed"] == false)
        #expect(value["latency_us"] == 42)
        #expect(value["rules"] == ["images.mutableTag=warn", "quote\"d"])
        #expect(value["decision"] == nil)
        #expect(value["time"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func ordinaryMetadataIsWrittenWithTypes() throws {
        let value = try line { $0.info("serving", metadata: ["port": .stringConvertible(8443), "tls": .stringConvertible(true), "host": "::"]) }
        #expect(value["port"] == 8443)
        #expect(value["tls"] == true)
        #expect(value["host"] == "::")
    }

    @Test func messagesBelowTheLevelAreNotWritten() throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, level: .warning, fileDescriptor: fd) }
        logger.info("quiet")
        try pipe.fileHandleForWriting.close()
        #expect(pipe.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }
}

@Suite("Log timestamps")
struct LogTimestampTests {
    @Test func aLineFittingItsBoundIsWritten() {
        let text = "a\nb"
        #expect(JSONLineWriter.bytes(bound: JSONLineWriter.bound(of: text)) { $0.string(text) } == Array(#""a\nb""#.utf8))
    }

    /// A bound computed too small stops the process before a byte lands past the buffer.
    @Test func aLineOverrunningItsBoundStopsBeforeWriting() async {
        await #expect(processExitsWith: .failure) {
            _ = JSONLineWriter.bytes(bound: 4) { $0.literal("longer than four") }
        }
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() throws {
        let stamp = JSONLogHandler.timestamp()
        #expect(stamp.utf8.count == 24)
        let pattern = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#)
        #expect(stamp.wholeMatch(of: pattern) != nil, "\(stamp)")
    }
}
