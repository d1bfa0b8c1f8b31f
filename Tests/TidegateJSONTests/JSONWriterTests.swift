import Testing
@testable import TidegateJSON

@Suite("JSON writer")
struct JSONWriterTests {
    @Test(arguments: [
        ("control characters are escaped", JSONValue.string("a\u{1}\n\t\"\\"), #""a\u0001\n\t\"\\""#),
        ("slashes are not escaped", JSONValue.string("a/b"), #""a/b""#),
        ("numbers keep their source text", JSONValue.number(JSONNumber(text: "1e3")), "1e3"),
        ("member order is kept", ["z": 1, "a": [true, nil]] as JSONValue, #"{"z":1,"a":[true,null]}"#),
    ])
    func writesCompactJSON(_ name: String, _ value: JSONValue, _ expected: String) {
        #expect(JSONWriter().string(value) == expected, "\(name)")
    }

    @Test func prettyOutputIsIndentedAndReadsBack() throws {
        let value: JSONValue = ["a": [1, ["b": "c"]], "d": [:], "e": []]
        let text = JSONWriter(style: .pretty).string(value)
        #expect(text == "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"c\"\n    }\n  ],\n  \"d\": {},\n  \"e\": []\n}")
        #expect(try JSONReader().parse(text) == value)
    }

    @Test func stringsAreEscapedAtEveryOffsetOfTheWordScan() {
        // The writer scans eight bytes at a time; an escape must be found wherever it falls.
        func reference(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where u.value < 0x20: out += "\\u00" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
                default: out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        }
        let specials: [String] = ["\"", "\\", "\u{1}", "\u{1F}", "\n", " ", "\u{7F}", "é", "€", "~", "/"]
        for length in 0..<20 {
            for position in 0..<max(length, 1) {
                for special in specials {
                    var s = String(repeating: "a", count: length)
                    if length > 0 {
                        s = String(s.prefix(position)) + special + String(s.dropFirst(position + 1))
                    }
                    #expect(JSONWriter().string(.string(s)) == reference(s), "\(length) \(position) \(special.debugDescription)")
                }
            }
        }
    }
}
