import Testing
import TidegateTestSupport
@testable import TidegateJSON

@Suite("JSON reader")
struct JSONReaderTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        let name: String
        let input: String
        let expected: JSONValue
        var testDescription: String { name }
    }

    static let valid: [Valid] = [
        .init(name: "empty object", input: "{}", expected: [:]),
        .init(name: "empty array with whitespace", input: " [ ] ", expected: []),
        .init(name: "scalars", input: #"[true,false,null,0,-1,1.5,2e10,-0.5E-3]"#,
              expected: [true, false, nil, 0, -1, .number(JSONNumber(text: "1.5")), .number(JSONNumber(text: "2e10")),
                         .number(JSONNumber(text: "-0.5E-3"))]),
        .init(name: "member order is kept", input: #"{"b":1,"a":2}"#, expected: ["b": 1, "a": 2]),
        .init(name: "simple escapes", input: #"["\"\\\/\b\f\n\r\t"]"#, expected: ["\"\\/\u{8}\u{c}\n\r\t"]),
        .init(name: "unicode escape", input: #"["\u00e9\u4e2d"]"#, expected: ["é中"]),
        .init(name: "surrogate pair escape", input: #"["\ud83d\ude00"]"#, expected: ["😀"]),
        .init(name: "raw UTF-8 passes through", input: "[\"héllo 😀\"]", expected: ["héllo 😀"]),
        .init(name: "byte order mark is tolerated", input: "\u{FEFF}{}", expected: [:]),
        .init(name: "nested", input: #"{"a":{"b":[{"c":null}]}}"#, expected: ["a": ["b": [["c": nil]]]]),
    ]

    @Test(arguments: valid)
    func parsesValidDocuments(_ c: Valid) throws {
        #expect(try JSONReader().parse(c.input) == c.expected)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        let name: String
        let input: String
        let reason: String
        let line: Int
        let column: Int
        var testDescription: String { name }
    }

    static let invalid: [Invalid] = [
        .init(name: "empty input", input: "", reason: "unexpected end of input", line: 1, column: 1),
        .init(name: "trailing comma in object", input: #"{"a":1,}"#, reason: "expected a member name", line: 1, column: 8),
        .init(name: "trailing comma in array", input: "[1,]", reason: "unexpected character ']'", line: 1, column: 4),
        .init(name: "single quotes", input: "{'a':1}", reason: "expected a member name", line: 1, column: 2),
        .init(name: "leading zero", input: "[01]", reason: "leading zero", line: 1, column: 2),
        .init(name: "bare minus", input: "[-]", reason: "expected a digit", line: 1, column: 2),
        .init(name: "dot without digits", input: "[1.]", reason: "after '.'", line: 1, column: 4),
        .init(name: "exponent without digits", input: "[1e]", reason: "exponent", line: 1, column: 4),
        .init(name: "raw newline in string", input: "[\"a\nb\"]", reason: "control character", line: 1, column: 4),
        .init(name: "bad escape", input: #"["\x"]"#, reason: "invalid escape", line: 1, column: 3),
        .init(name: "lone high surrogate", input: #"["\ud83d"]"#, reason: "unpaired", line: 1, column: 9),
        .init(name: "lone low surrogate", input: #"["\ude00"]"#, reason: "unpaired", line: 1, column: 9),
        .init(name: "unterminated string", input: "[\"abc", reason: "unterminated string", line: 1, column: 2),
        .init(name: "misspelt literal", input: "[tru]", reason: "invalid literal", line: 1, column: 2),
        .init(name: "two values", input: "{} {}", reason: "after the JSON value", line: 1, column: 4),
        .init(name: "missing colon", input: "{\n  \"a\" 1}", reason: "expected ':'", line: 2, column: 7),
        .init(name: "comment", input: "// x\n{}", reason: "unexpected character '/'", line: 1, column: 1),
        .init(name: "NaN is not JSON", input: "[NaN]", reason: "unexpected character 'N'", line: 1, column: 2),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidDocumentsWithPosition(_ c: Invalid) {
        #expect {
            _ = try JSONReader().parse(c.input)
        } throws: { error in
            guard let e = error as? JSONParseError else { return false }
            return e.reason.contains(c.reason) && e.line == c.line && e.column == c.column
        }
    }

    @Test func invalidUTF8IsAnErrorNotAReplacementCharacter() {
        let bytes: [UInt8] = Array("[\"a".utf8) + [0xC3, 0x28] + Array("\"]".utf8)
        #expect(throws: JSONParseError.self) { _ = try JSONReader().parse(bytes) }
    }

    @Test(arguments: [513, 100_000])
    func deepNestingFailsCleanly(depth: Int) {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect {
            _ = try JSONReader().parse(text)
        } throws: { ($0 as? JSONParseError)?.reason.contains("nesting deeper") == true }
    }

    @Test func nestingAtTheLimitParses() throws {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try JSONReader().parse(text)
    }

    @Test func filteredMembersAreValidatedButNotBuilt() throws {
        let reader = JSONReader(filter: JSONFieldFilter(skipping: ["request.oldObject", "request.object.metadata.managedFields"]))
        let doc = try reader.parse(#"{"request":{"uid":"u","oldObject":{"big":[1,2,{"x":"y"}]},"object":{"metadata":{"name":"n","managedFields":[{"a":1}]}}}}"#)
        #expect(doc == ["request": ["uid": "u", "object": ["metadata": ["name": "n"]]]])
    }

    @Test(arguments: [
        #"{"request":{"oldObject":{"a":1,}}}"#,
        #"{"request":{"oldObject":[1 2]}}"#,
        #"{"request":{"oldObject":"\q"}}"#,
        #"{"request":{"oldObject":{"a" 1}}}"#,
        #"{"request":{"oldObject":tru}}"#,
        #"{"request":{"oldObject":[01]}}"#,
    ])
    func filteredMembersMustStillBeWellFormed(_ input: String) {
        let reader = JSONReader(filter: JSONFieldFilter(skipping: ["request.oldObject"]))
        #expect(throws: JSONParseError.self) { _ = try reader.parse(input) }
    }

    @Test func deepNestingInsideAFilteredMemberFailsCleanly() {
        let reader = JSONReader(filter: JSONFieldFilter(skipping: ["a"]))
        let text = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONParseError.self) { _ = try reader.parse(text) }
    }

    @Test func randomMutationsNeverCrash() throws {
        let seed = Array(#"{"a":[1,2.5e3,"x\u00e9\n",true,null,{"b":{}}],"c":"d"}"#.utf8)
        var rng = SplitMix64(seed: 42)
        let alphabet = Array(#"{}[]",:\u0123456789eE+-.tfnrl "#.utf8) + [0x00, 0x80, 0xFF, 0xC3]
        for _ in 0..<20_000 {
            var bytes = seed
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if let value = try? JSONReader().parse(bytes) {
                // Whatever parses must survive a write/read round trip unchanged.
                #expect(try JSONReader().parse(JSONWriter().bytes(value)) == value)
            }
        }
    }
}


@Suite("JSON reader: structural skipping")
struct StructuralSkipTests {
    static let reader = JSONReader(filter: .except(["old": .skipStructurally]))

    @Test(arguments: [
        ("unterminated string", #"{"old":{"a":"x}"#),
        ("unbalanced brackets", #"{"old":{"a":[1,2}}"#),
        ("mismatched close", #"{"old":[1,2}}"#),
        ("missing close", #"{"old":{"a":{}"#),
        ("too deep", "{\"old\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"),
    ])
    func structuralErrorsInSkippedMembersAreStillErrors(_ name: String, _ input: String) {
        #expect(throws: JSONParseError.self, "\(name)") { _ = try Self.reader.parse(input) }
    }

    @Test(arguments: [
        ("escaped quotes and brackets inside strings", #"{"old":{"k:{\"a\":\"]\"}":{},"b":"[{"},"new":1}"#),
        ("nested arrays and objects", #"{"old":[{"a":[[],{}]},[1,{"b":[2]}]],"new":1}"#),
        ("a scalar", #"{"old":"x","new":1}"#),
        ("a backslash outside a string escapes nothing", #"{"old":{"a":\"x"},"new":1}"#),
        ("an escape across a 64-byte block", "{\"old\":[\"" + String(repeating: "x", count: 61) + #"\"]"],"new":1}"#),
    ])
    func skippedMembersEndExactlyWhereTheyShould(_ name: String, _ input: String) throws {
        #expect(try Self.reader.parse(input) == ["new": 1], "\(name)")
    }

    @Test func tokenErrorsInsideAStructurallySkippedMemberAreNotReported() throws {
        // Deliberate: nothing reads the member, and the token-level check costs four times more.
        #expect(try Self.reader.parse(#"{"old":{"a" 1, tru},"new":1}"#) == ["new": 1])
    }
}

@Suite("JSON reader: field filter")
struct FieldFilterTests {
    @Test func aMemberNameWrittenWithEscapesIsFilteredLikeThePlainName() throws {
        let reader = JSONReader(filter: .only(["containers": .all]))
        #expect(try reader.parse(#"{"\u0063ontainers":[1],"other":2}"#) == ["containers": [1]])
    }

    @Test func onlyBuildsTheNamedMembersAtEveryArrayElement() throws {
        let reader = JSONReader(filter: .only(["items": .only(["name": .all])]))
        let doc = try reader.parse(#"{"items":[{"name":"a","env":[1]},{"name":"b","x":{}}],"drop":true}"#)
        #expect(doc == ["items": [["name": "a"], ["name": "b"]]])
    }
}

@Suite("JSON objects")
struct JSONObjectTests {
    @Test func aRepeatedNameResolvesToItsLastValueAsTheApiserverReadsIt() throws {
        let doc = try JSONReader().parse(#"{"privileged":false,"privileged":true}"#)
        #expect(doc["privileged"] == true)
    }

    @Test func objectsWithRepeatedNamesEqualThemselvesAfterARoundTrip() throws {
        let doc = try JSONReader().parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(try JSONReader().parse(JSONWriter().bytes(doc)) == doc)
    }

    @Test func memberOrderDoesNotMatterForEquality() throws {
        #expect(try JSONReader().parse(#"{"a":1,"b":2}"#) == JSONReader().parse(#"{"b":2,"a":1}"#))
    }
}

@Suite("JSON reader: structural skipping against the full reader")
struct StructuralSkipDifferentialTests {
    /// Random JSON heavy in what the scanner must get right: quotes, escapes (including escaped
    /// quotes and backslashes), brackets inside strings, and strings long enough to cross the
    /// scanner's 64-byte blocks at every offset.
    static func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let pick = depth > 5 ? rng.next() % 3 : rng.next() % 6
        switch pick {
        case 0:
            let pieces = ["a", "\"", "\\", "{", "}", "[", "]", "é", "\n", "x:y", "k:{\"name\":\"v\"}", "\\\"", "/"]
            var s = ""
            for _ in 0..<Int(rng.next() % 24) { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
            return .string(s)
        case 1: return .number(JSONNumber(Int(rng.next() % 1000)))
        case 2: return rng.next() % 2 == 0 ? .bool(true) : .null
        case 3, 4:
            var o = JSONObject()
            for i in 0..<Int(rng.next() % 5) { o["k\(i)\"[{"] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        default:
            return .array((0..<Int(rng.next() % 5)).map { _ in randomValue(&rng, depth: depth + 1) })
        }
    }

    /// The structural scanner holds 1,023 open levels; a reader allowed more must neither
    /// refuse what its own limit admits nor report a limit it was not given.
    @Test(arguments: [(1500, 2000, true), (2500, 2000, false)])
    func structuralSkippingHonoursTheReadersOwnDepthLimit(depth: Int, limit: Int, accepted: Bool) throws {
        let reader = JSONReader(maxDepth: limit, filter: .except(["old": .skipStructurally]))
        let text = #"{"old":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + #","new":1}"#
        if accepted {
            #expect(try reader.parse(text) == ["new": 1])
        } else {
            #expect { try reader.parse(text) } throws: { "\($0)".contains("deeper than \(limit) levels") }
        }
    }

    @Test func removingARepeatedNameRemovesEveryOccurrence() throws {
        var object = try #require(try JSONReader().parse(#"{"a":1,"b":2,"a":3}"#).objectValue)
        #expect(object["a"] == 3)
        object["a"] = nil
        #expect(object["a"] == nil)
        #expect(object.keys == ["b"])
    }

    @Test func skippedMembersEndWhereTheFullReaderSaysTheyEnd() throws {
        var rng = SplitMix64(seed: 7)
        let skipping = JSONReader(filter: .except(["old": .skipStructurally]))
        for round in 0..<3000 {
            let old: JSONValue = rng.next() % 2 == 0 ? .object(JSONObject([(key: "v", value: Self.randomValue(&rng, depth: 0))]))
                                                      : .array([Self.randomValue(&rng, depth: 0)])
            // Padding moves the value across every alignment of the 64-byte blocks.
            let padding = String(repeating: " ", count: round % 65)
            let text = "{\(padding)\"old\":" + JSONWriter().string(old) + ",\"new\":\(round)}"
            #expect(try skipping.parse(text) == ["new": .number(JSONNumber(round))], "round \(round): \(text)")
        }
    }
}

@Suite("JSON reader: field filters against the full reader")
struct FieldFilterDifferentialTests {
    static let names = ["a", "b", "name", "image", "containers", "securityContext", "x"]

    static func randomFilter(_ rng: inout SplitMix64, depth: Int) -> JSONFieldFilter {
        switch depth > 3 ? rng.next() % 3 : rng.next() % 6 {
        case 0: return .all
        case 1: return .skip
        case 2: return .skipStructurally
        default:
            var members: [String: JSONFieldFilter] = [:]
            for _ in 0..<Int(rng.next() % 4) {
                members[names[Int(rng.next() % UInt64(names.count))]] = randomFilter(&rng, depth: depth + 1)
            }
            return rng.next() % 2 == 0 ? .only(members) : .except(members)
        }
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch depth > 4 ? rng.next() % 3 : rng.next() % 6 {
        case 0: return .string("s\(rng.next() % 10)")
        case 1: return .number(JSONNumber(Int(rng.next() % 100)))
        case 2: return rng.next() % 2 == 0 ? .bool(false) : .null
        case 3, 4:
            // Repeated names on purpose: the filtered reader must keep them as the full one does.
            var members: [JSONMember] = []
            for _ in 0..<Int(rng.next() % 6) {
                members.append(JSONMember(key: names[Int(rng.next() % UInt64(names.count))],
                                          value: randomValue(&rng, depth: depth + 1)))
            }
            return .object(JSONObject(members: members))
        default:
            return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        }
    }

    /// What a filter keeps of a fully read value, from the filter's own definition.
    static func applying(_ filter: JSONFieldFilter?, to value: JSONValue) -> JSONValue {
        guard let filter, !filter.buildsAll else { return value }
        switch value {
        case .array(let elements): return .array(elements.map { applying(filter, to: $0) })
        case .object(let object):
            var kept: [JSONMember] = []
            for member in object.members {
                let child: JSONFieldFilter?
                if let entry = filter.memberList.first(where: { $0.key == member.key }) {
                    child = entry.filter
                } else {
                    child = filter.skipsOthers ? .skipStructurally : nil
                }
                if let child, child.skipsValue { continue }
                kept.append(JSONMember(key: member.key, value: applying(child, to: member.value)))
            }
            return .object(JSONObject(members: kept))
        default: return value
        }
    }

    @Test func aFilteredReadKeepsExactlyWhatTheFilterNames() throws {
        var rng = SplitMix64(seed: 11)
        for round in 0..<3000 {
            let filter = Self.randomFilter(&rng, depth: 0)
            let value = Self.randomValue(&rng, depth: 0)
            var text = JSONWriter().string(value)
            // A name written with an escape must be filtered like the plain name.
            if round % 3 == 0 { text = text.replacing("\"containers\"", with: "\"\\u0063ontainers\"") }
            let full = try JSONReader().parse(text)
            let filtered = try JSONReader(filter: filter).parse(text)
            let expected = Self.applying(filter.skipsValue ? JSONFieldFilter.except([:]) : filter, to: full)
            // Member by member, in order, repeated names included.
            #expect(JSONWriter().string(filtered) == JSONWriter().string(expected), "round \(round): \(text)")
        }
    }
}
