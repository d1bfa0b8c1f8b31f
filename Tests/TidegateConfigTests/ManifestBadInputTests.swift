import Foundation
import Testing
import TidegateJSON
@testable import TidegateConfig

private func read(_ bytes: [UInt8], name: String = "m.yaml") -> ManifestBatch {
    ManifestReader().read([.bytes(bytes, name: name)])
}

private func read(_ text: String, name: String = "m.yaml") -> ManifestBatch {
    read(Array(text.utf8), name: name)
}

@Suite struct ManifestBadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let file: String
        let errors: [String]
        let documents: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(
            name: "malformed YAML keeps the documents before it",
            text: "kind: Pod\n---\nkind: [Pod\n", file: "m.yaml",
            errors: ["m.yaml:4:1: document 1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 3:7)"],
            documents: ["m.yaml:0"]),
        .init(
            name: "malformed JSON in a .json file is positioned",
            text: "{\"kind\": \"Pod\",\n \"x\": }", file: "p.json",
            errors: ["p.json:2:7: invalid JSON: unexpected character '}', expected a value"],
            documents: []),
        .init(
            name: "a scalar document is not an object",
            text: "just text\n", file: "m.yaml",
            errors: ["m.yaml:1:1: document 0: the document is a string, expected an object"],
            documents: []),
        .init(
            name: "a list document is not an object and the next document still reads",
            text: "- a\n---\nkind: Pod\n", file: "m.yaml",
            errors: ["m.yaml:1:1: document 0: the document is an array, expected an object"],
            documents: ["m.yaml:1"]),
        .init(
            name: "a JSON array is not an object",
            text: "[1, 2]", file: "a.json",
            errors: ["a.json: document 0: the document is an array, expected an object"],
            documents: []),
        .init(
            name: "empty file has no documents and no errors",
            text: "", file: "e.yaml", errors: [], documents: []),
        .init(
            name: "duplicate keys are an error",
            text: "kind: Pod\nkind: Service\n", file: "m.yaml",
            errors: ["m.yaml:1:1: document 0: invalid YAML: duplicate key \"kind\""],
            documents: []),
        .init(
            name: "tabs for indentation are an error",
            text: "metadata:\n\tname: a\n", file: "m.yaml",
            errors: ["m.yaml:2:1: document 0: invalid YAML: found character that cannot start any token (while scanning for the next token at 2:1)"],
            documents: []),
        .init(
            name: "undefined alias is an error",
            text: "a: *nothing\n", file: "m.yaml",
            errors: ["m.yaml:1:4: document 0: invalid YAML: found undefined alias"],
            documents: []),
    ]

    @Test(arguments: cases)
    func badInputIsATypedPositionedError(_ c: Case) {
        let batch = read(c.text, name: c.file)
        #expect(batch.errors.map(\.description) == c.errors)
        #expect(batch.documents.map(\.source) == c.documents)
    }

    @Test func invalidUTF8IsPositioned() {
        let batch = read(Array("kind: Pod\nname: a".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        #expect(batch.errors.map(\.description) == ["m.yaml:2:8: invalid UTF-8 at byte offset 17"])
        #expect(batch.errors.first?.position == SourcePosition(line: 2, column: 8))
    }

    @Test(arguments: ["[", "{\"a\":"])
    func hundredThousandNestedJSONBracketsFailCleanly(_ opener: String) {
        let text = String(repeating: opener, count: 100_000)
        let batch = read(text, name: "deep.json")
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.count == 1)
        #expect(batch.errors.first?.reason.contains("invalid JSON") == true)
    }

    @Test(arguments: ["[", "{a: ", "- "])
    func hundredThousandNestedYAMLLevelsFailCleanly(_ opener: String) {
        let text = "x: " + String(repeating: opener, count: 100_000) + "1\n"
        let batch = read(text)
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.count == 1)
    }

    /// libyaml stops at 1000 levels; just under that, Yams' recursive composer runs 990 deep
    /// and the converter's own limit answers.
    @Test func nestingJustUnderTheParserLimitIsRejectedByTheConverter() {
        let depth = 990
        let text = "x: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let batch = read(text)
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.first?.reason == "nesting deeper than 512 levels")
    }

    @Test func nestingJustUnderTheLimitIsRead() throws {
        let depth = 400
        let text = "x: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let batch = read(text)
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.count == 1)
    }

    @Test func aliasBombFailsInsteadOfExpanding() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let batch = read(text)
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.first?.reason == "document expands to too many values (alias expansion?)")
    }

    @Test func aliasChainsDeeperThanTheLimitFail() {
        // Each half is 300 levels deep in the text; the alias puts one inside the other.
        let open = String(repeating: "[", count: 300)
        let close = String(repeating: "]", count: 300)
        let batch = read("a: &deep \(open)x\(close)\nb: \(open)*deep\(close)\n")
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.first?.reason == "nesting deeper than 512 levels")
    }

    struct AliasKeyCase: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let position: SourcePosition
        var testDescription: String { name }
    }

    static let aliasKeyCases: [AliasKeyCase] = [
        .init(name: "alias as an implicit key", text: "a: &a x\n*a : y\n", position: .init(line: 2, column: 1)),
        .init(name: "alias as a flow key", text: "a: &a x\nb: {*a: y}\n", position: .init(line: 2, column: 5)),
        .init(name: "explicit key holding an alias", text: "a: &a x\n? [*a]\n: y\n", position: .init(line: 2, column: 1)),
        .init(name: "flow collection key holding an alias", text: "a: &a x\n[*a]: y\n", position: .init(line: 2, column: 4)),
    ]

    @Test(arguments: aliasKeyCases)
    func aliasesInKeysAreRefusedBeforeParsing(_ c: AliasKeyCase) {
        let batch = read(c.text)
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.first?.position == c.position)
        #expect(batch.errors.first?.reason.hasPrefix("invalid YAML: an alias used in a mapping key is not supported") == true)
    }

    /// The deepest tree 16 anchors allow: each link nested 900 levels in the text, about
    /// 14,400 levels in all. Used as values it is released without overflowing the stack.
    static func deepestChain() -> String {
        let open = String(repeating: "[", count: 900)
        let close = String(repeating: "]", count: 900)
        var text = "a0: &a0 \(open)x\(close)\n"
        for level in 1..<16 { text += "a\(level): &a\(level) \(open)*a\(level - 1)\(close)\n" }
        return text
    }

    @Test func deepestAllowedAliasChainFailsOnDepthWithoutCrashing() {
        let batch = read(Self.deepestChain())
        #expect(batch.errors.map(\.reason) == ["nesting deeper than 512 levels"])
    }

    /// As a key it would be hashed for the duplicate-key check; refused before parsing.
    @Test func deepestAllowedAliasChainAsAKeyIsRefused() {
        let batch = read(Self.deepestChain() + "? *a15\n: x\n")
        #expect(batch.errors.map(\.description) == [
            "m.yaml:17:1: document 0: invalid YAML: an alias used in a mapping key is not supported (a key here could hold one)"
        ])
    }

    /// The same chain used only as values: releasing the 100,000-level tree would overflow the
    /// stack, so the anchor count stops it before parsing.
    @Test func deepAliasChainAsValuesIsRefusedByItsAnchorCount() {
        var text = "a0: &a0 [x]\n"
        for level in 1...100_000 { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        let batch = read(text)
        #expect(batch.errors.map(\.description) == [
            "m.yaml:17:6: document 0: invalid YAML: more than 16 anchors in one document are not supported"
        ])
    }

    @Test func anchorsAreCountedPerDocumentAndShellAmpersandsAreNotAnchors() {
        let document = (0..<16).map { "a\($0): &a\($0) [x]\n" }.joined() + "cmd: run & wait && done\n"
        let batch = read(document + "---\n" + document)
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.count == 2)
    }

    @Test func aliasesAsValuesAndOrdinaryFlowKeysStillRead() {
        let batch = read("base: &b {cpu: 1}\nlimits: *b\nrequests: {<<: *b, memory: 1Gi}\nitems: [*b]\n")
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.first?.value["requests"] == ["memory": "1Gi", "cpu": 1])
    }

    @Test func inputOverTheSizeLimitIsRefusedBeforeParsing() {
        var reader = ManifestReader()
        reader.maxFileBytes = 1000
        let batch = reader.read([.bytes(Array(repeating: UInt8(ascii: "#"), count: 1001), name: "big.yaml")])
        #expect(batch.errors.map(\.description) == ["big.yaml: 1001 bytes is over the 1000-byte limit"])
    }
}
