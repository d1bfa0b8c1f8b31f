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
}
