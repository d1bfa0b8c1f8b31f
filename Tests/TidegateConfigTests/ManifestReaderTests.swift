import Foundation
import Testing
import TidegateJSON
@testable import TidegateConfig

private func read(_ text: String, name: String = "m.yaml") -> ManifestBatch {
    ManifestReader().read([.bytes(Array(text.utf8), name: name)])
}

private func value(_ yaml: String) throws -> JSONValue {
    let batch = read("v: " + yaml + "\n")
    if let error = batch.errors.first { throw error }
    return try #require(batch.documents.first?.value["v"])
}

@Suite struct ManifestStreamTests {
    @Test func multiDocumentStreamSkipsEmptyDocumentsAndNamesEachByIndex() {
        let batch = read("""
            kind: Pod
            metadata: {name: a}
            ---
            # only a comment
            ---
            kind: Pod
            metadata: {name: b}
            ---

            """)
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.map(\.source) == ["m.yaml:0", "m.yaml:2"])
        #expect(batch.documents.map { $0.value["metadata"]?["name"] } == ["a", "b"])
    }

    @Test func listItemsAreExpandedWithTheirOwnSourcesAndPositions() throws {
        let batch = read("""
            apiVersion: v1
            kind: List
            items:
            - kind: Pod
              metadata: {name: a}
            - kind: Deployment
              metadata:
                name: b

            """)
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.map(\.source) == ["m.yaml:0/items/0", "m.yaml:0/items/1"])
        let second = try #require(batch.documents.last)
        #expect(second.value["kind"] == "Deployment")
        #expect(second.position(of: JSONPointer("/metadata/name")!) == SourcePosition(line: 8, column: 11))
    }

    /// Item source maps are split in one pass; per-item rescans would take minutes here.
    @Test func aLargeListKeepsPerItemPositions() throws {
        let item = "- kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{name: c, image: nginx}]\n"
        let batch = read("kind: List\nitems:\n" + String(repeating: item, count: 20_000))
        #expect(batch.documents.count == 20_000)
        let last = try #require(batch.documents.last)
        #expect(last.source == "m.yaml:0/items/19999")
        #expect(last.position(of: JSONPointer("/spec/containers/0/image")!) == SourcePosition(line: 3 + 4 * 19_999 + 3, column: 35))
    }

    @Test func typedListKindsAreExpandedToo() {
        let batch = read("kind: PodList\nitems: [{kind: Pod}, 3]\n")
        #expect(batch.documents.map(\.source) == ["m.yaml:0/items/0"])
        #expect(batch.errors.map(\.description) == ["m.yaml:2:22: document 0/items/1: the list item is a number, expected an object"])
    }

    @Test func admissionReviewYieldsTheObjectAndKeepsTheReview() throws {
        let review = """
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
             "request": {"uid": "u-1", "object": {"kind": "Pod", "metadata": {"name": "p"}}}}
            """
        let batch = ManifestReader().read([.bytes(Array(review.utf8), name: "-")])
        let document = try #require(batch.documents.first)
        #expect(document.source == "-:0")
        #expect(document.value == ["kind": "Pod", "metadata": ["name": "p"]])
        #expect(document.review?["request"]?["uid"] == "u-1")
    }

    @Test func admissionReviewInYAMLMapsPositionsIntoTheObject() throws {
        let batch = read("""
            kind: AdmissionReview
            request:
              object:
                kind: Pod
                spec: {containers: [{name: c, image: nginx}]}

            """)
        let document = try #require(batch.documents.first)
        #expect(document.position(of: JSONPointer("/spec/containers/0/image")!) == SourcePosition(line: 5, column: 42))
    }

    @Test func admissionReviewWithoutAnObjectIsAnError() {
        let batch = read(#"{"kind": "AdmissionReview", "request": {"uid": "x"}}"#, name: "r.json")
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.map(\.source) == ["r.json:0"])
    }

    @Test func positionOfAFieldThatIsNotThereIsItsNearestParent() throws {
        let document = try #require(read("kind: Pod\nspec:\n  containers: []\n").documents.first)
        #expect(document.position(of: JSONPointer("/spec/securityContext/runAsNonRoot")!) == SourcePosition(line: 3, column: 3))
    }

    @Test func jsonInputKeepsNumberTextAndOrder() throws {
        let batch = read(#"{"kind": "Pod", "z": 1.50, "a": 1e3}"#, name: "p.json")
        let object = try #require(batch.documents.first?.value.objectValue)
        #expect(object.keys == ["kind", "z", "a"])
        #expect(object["z"] == .number(JSONNumber(text: "1.50")))
        if case .number(let n)? = object["a"] { #expect(n.text == "1e3") }
    }

    @Test func flowStyleYAMLThatLooksLikeJSONIsStillRead() {
        let batch = read("{kind: Pod, metadata: {name: a}}\n")
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.first?.value["kind"] == "Pod")
    }
}

@Suite struct YAMLScalarTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let yaml: String
        let expected: JSONValue
        let why: String
        var testDescription: String { "\(yaml.replacingOccurrences(of: "\n", with: "⏎")) → \(why)" }
    }

    static let cases: [Case] = [
        .init(yaml: "true", expected: true, why: "boolean"),
        .init(yaml: "False", expected: false, why: "boolean, capitalised"),
        .init(yaml: "yes", expected: true, why: "YAML 1.1 boolean, as kubectl reads it"),
        .init(yaml: "NO", expected: false, why: "YAML 1.1 boolean"),
        .init(yaml: "on", expected: true, why: "YAML 1.1 boolean"),
        .init(yaml: "off", expected: false, why: "YAML 1.1 boolean"),
        .init(yaml: "y", expected: true, why: "go-yaml v2 boolean"),
        .init(yaml: "\"yes\"", expected: "yes", why: "quoted is a string"),
        .init(yaml: "'true'", expected: "true", why: "quoted is a string"),
        .init(yaml: "!!str 12", expected: "12", why: "explicit string tag"),
        .init(yaml: "~", expected: nil, why: "null"),
        .init(yaml: "null", expected: nil, why: "null"),
        .init(yaml: "", expected: nil, why: "empty value is null"),
        .init(yaml: "1000", expected: 1000, why: "integer"),
        .init(yaml: "-7", expected: -7, why: "negative integer"),
        .init(yaml: "0644", expected: 420, why: "YAML 1.1 octal file mode"),
        .init(yaml: "0o17", expected: 15, why: "octal with prefix"),
        .init(yaml: "0x1F", expected: 31, why: "hexadecimal"),
        .init(yaml: "0b101", expected: 5, why: "binary"),
        .init(yaml: "+5", expected: 5, why: "explicit plus"),
        .init(yaml: "1_000", expected: 1000, why: "underscores"),
        .init(yaml: "1.5", expected: .number(JSONNumber(text: "1.5")), why: "float kept as written"),
        .init(yaml: ".5", expected: .number(JSONNumber(text: "0.5")), why: "leading-dot float converted"),
        .init(yaml: "08", expected: 8, why: "not octal, read as decimal"),
        .init(yaml: "1.2.3", expected: "1.2.3", why: "version string"),
        .init(yaml: "nginx:1.25", expected: "nginx:1.25", why: "image reference"),
        .init(yaml: "0x", expected: "0x", why: "no digits is a string"),
        .init(yaml: "|\n  text", expected: "text\n", why: "literal block"),
    ]

    @Test(arguments: cases)
    func scalarIsTypedLikeKubectl(_ c: Case) throws {
        #expect(try value(c.yaml) == c.expected)
    }

    @Test func numberTextIsKeptWhenItIsAlreadyJSON() throws {
        guard case .number(let n) = try value("1e3") else { Issue.record("not a number"); return }
        #expect(n.text == "1e3")
    }

    @Test(arguments: [".inf", "-.Inf", ".nan"])
    func infinityAndNaNAreErrorsNotValues(_ text: String) {
        let batch = read("v: \(text)\n")
        #expect(batch.documents.isEmpty)
        #expect(batch.errors.map(\.description) == ["m.yaml:1:4: document 0: \(text) has no JSON representation"])
    }

    @Test func mergeKeysApplyWithExplicitKeysWinning() throws {
        let batch = read("""
            base: &base {a: 1, b: 2}
            other: &other {c: 3}
            v:
              <<: [*base, *other]
              b: 20

            """)
        #expect(batch.documents.first?.value["v"] == ["b": 20, "a": 1, "c": 3])
    }

    @Test func nonStringKeysBecomeTheirText() throws {
        #expect(try value("{1: a, true: b, 2.5: c}") == ["1": "a", "true": "b", "2.5": "c"])
    }
}
