import Testing
@testable import TidegateJSON

@Suite("JSON Pointer and JSON Patch")
struct JSONPatchTests {
    @Test(arguments: [
        ("", [String]()),
        ("/a/b", ["a", "b"]),
        ("/a~1b/c~0d", ["a/b", "c~d"]),
        ("/~01", ["~1"]),
        ("/", [""]),
        ("/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1web", ["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/web"]),
    ])
    func pointersRoundTripWithEscaping(_ text: String, _ tokens: [String]) throws {
        let p = try #require(JSONPointer(text))
        #expect(p.tokens == tokens)
        #expect(p.description == text)
    }

    @Test func pointerWithoutLeadingSlashIsRejected() {
        #expect(JSONPointer("a/b") == nil)
    }

    static let doc: JSONValue = ["spec": ["containers": [["name": "a"], ["name": "b"]], "x": nil]]

    @Test(arguments: [
        ("add a member", PatchOperation.add(JSONPointer("/spec/y")!, 1), "/spec/y", JSONValue?.some(1)),
        ("add replaces an existing member", .add(JSONPointer("/spec/x")!, 2), "/spec/x", .some(2)),
        ("append with -", .add(JSONPointer("/spec/containers/-")!, ["name": "c"]), "/spec/containers/2/name", .some("c")),
        ("insert at index", .add(JSONPointer("/spec/containers/0")!, ["name": "z"]), "/spec/containers/1/name", .some("a")),
        ("remove a member", .remove(JSONPointer("/spec/x")!), "/spec/x", nil),
        ("replace an element", .replace(JSONPointer("/spec/containers/1/name")!, "q"), "/spec/containers/1/name", .some("q")),
        ("move", .move(from: JSONPointer("/spec/containers/0")!, to: JSONPointer("/spec/first")!), "/spec/first/name", .some("a")),
        ("copy", .copy(from: JSONPointer("/spec/containers/0/name")!, to: JSONPointer("/spec/n")!), "/spec/n", .some("a")),
    ])
    func operationsApply(_ name: String, _ op: PatchOperation, _ probe: String, _ expected: JSONValue?) throws {
        let result = try JSONPatch([op]).applied(to: Self.doc)
        #expect(result.value(at: JSONPointer(probe)!) == expected, "\(name)")
    }

    @Test(arguments: [
        ("add under a missing parent", PatchOperation.add(JSONPointer("/spec/nope/x")!, 1)),
        ("remove a missing member", .remove(JSONPointer("/spec/nope")!)),
        ("replace a missing member", .replace(JSONPointer("/spec/nope")!, 1)),
        ("index past the end", .add(JSONPointer("/spec/containers/5")!, 1)),
        ("leading zero index", .replace(JSONPointer("/spec/containers/01")!, 1)),
        ("failing test", .test(JSONPointer("/spec/containers/0/name")!, "b")),
        ("move into own child", .move(from: JSONPointer("/spec")!, to: JSONPointer("/spec/a")!)),
    ])
    func invalidOperationsFailWithoutPartialEffect(_ name: String, _ op: PatchOperation) {
        #expect(throws: JSONPatchError.self, "\(name)") {
            _ = try JSONPatch([.add(JSONPointer("/spec/first")!, 1), op]).applied(to: Self.doc)
        }
    }

    @Test func operationsRoundTripThroughJSON() throws {
        let ops: [PatchOperation] = [
            .add(JSONPointer("/a~1b")!, ["k": 1]), .remove(JSONPointer("/c")!), .replace(JSONPointer("/d")!, nil),
            .test(JSONPointer("/e")!, true), .move(from: JSONPointer("/f")!, to: JSONPointer("/g")!),
            .copy(from: JSONPointer("/h")!, to: JSONPointer("/i")!),
        ]
        let decoded = try ops.map { try PatchOperation(json: $0.json) }
        #expect(decoded == ops)
        #expect(JSONWriter().string(ops[0].json) == #"{"op":"add","path":"/a~1b","value":{"k":1}}"#)
    }
}
