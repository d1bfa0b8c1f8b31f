import Foundation
import Testing
import TidegateJSON
@testable import TidegateConfig

@Suite struct ManifestFilesTests {
    @Test func directoryIsWalkedRecursivelyInSortedOrderKeepingOnlyManifestExtensions() throws {
        let dir = try TempDirectory()
        try dir.write("b.yaml", "kind: Pod\nmetadata: {name: b}\n")
        try dir.write("a.yml", "kind: Pod\nmetadata: {name: a}\n")
        try dir.write("c.JSON", #"{"kind": "Pod", "metadata": {"name": "c"}}"#)
        try dir.write("notes.txt", "kind: Pod\n")
        try dir.write("sub/d.yaml", "kind: Pod\nmetadata: {name: d}\n---\nkind: Pod\nmetadata: {name: e}\n")
        let batch = ManifestReader().read([.path(dir.path)])
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.map(\.source) == [
            "\(dir.path)/a.yml:0", "\(dir.path)/b.yaml:0", "\(dir.path)/c.JSON:0",
            "\(dir.path)/sub/d.yaml:0", "\(dir.path)/sub/d.yaml:1",
        ])
    }

    @Test func symlinkLoopsAreWalkedOnce() throws {
        let dir = try TempDirectory()
        try dir.write("sub/a.yaml", "kind: Pod\n")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/sub/loop", withDestinationPath: dir.path)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/sub/self", withDestinationPath: dir.path + "/sub")
        let batch = ManifestReader().read([.path(dir.path)])
        #expect(batch.errors.isEmpty)
        #expect(batch.documents.map(\.source) == ["\(dir.path)/sub/a.yaml:0"])
    }

    @Test func aFileNamedExplicitlyIsReadWhateverItsExtension() throws {
        let dir = try TempDirectory()
        let path = try dir.write("pod.txt", "kind: Pod\n")
        #expect(ManifestReader().read([.path(path)]).documents.map(\.source) == ["\(path):0"])
    }

    @Test func aMissingPathIsAnErrorAndTheOtherInputsStillRead() throws {
        let dir = try TempDirectory()
        let good = try dir.write("pod.yaml", "kind: Pod\n")
        let batch = ManifestReader().read([.path(dir.path + "/missing.yaml"), .path(good)])
        #expect(batch.errors.map(\.description) == ["\(dir.path)/missing.yaml: no such file or directory"])
        #expect(batch.documents.map(\.source) == ["\(good):0"])
    }

    @Test func standardInputBytesAreNamedByTheCaller() {
        let batch = ManifestReader().read([.bytes(Array("kind: Pod\n---\nkind: Service\n".utf8), name: "-")])
        #expect(batch.documents.map(\.source) == ["-:0", "-:1"])
    }

    @Test func streamingHandsOverDocumentsOneByOne() throws {
        let dir = try TempDirectory()
        let path = try dir.write("s.yaml", "kind: A\n---\n- bad\n---\nkind: B\n")
        var seen: [String] = []
        ManifestReader().read(.path(path)) { result in
            switch result {
            case .success(let document): seen.append(document.source)
            case .failure(let error): seen.append("error " + error.source)
            }
        }
        #expect(seen == ["\(path):0", "error \(path):1", "\(path):2"])
    }

    /// A 50 MB JSON List (the fast path: the byte-level JSON reader) is read item by item.
    @Test func fiftyMegabyteJSONListIsRead() throws {
        let dir = try TempDirectory()
        let item = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.9","args":["--port=8080"]}]}}"#
        let items = 50_000_000 / (item.utf8.count + 1)
        let json = #"{"kind":"List","items":["# + Array(repeating: item, count: items).joined(separator: ",") + "]}"
        let path = try dir.write("big.json", json)
        var documents = 0
        var errors: [ManifestError] = []
        ManifestReader().read(.path(path)) { result in
            switch result {
            case .success: documents += 1
            case .failure(let e): errors.append(e)
            }
        }
        #expect(errors.isEmpty)
        #expect(documents == items)
    }

    /// A 50 MB YAML stream over a lowered limit is refused from its size alone, without being
    /// read; a 5 MB stream (over the source-map threshold) is read whole, without maps. (Reading
    /// 50 MB of YAML works too but takes about a minute in a debug build.)
    @Test func largeYAMLStreamsAreReadOrRefusedBySize() throws {
        let dir = try TempDirectory()
        let document = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web, tier: front}\nspec:\n  containers:\n  - name: c\n    image: registry.k8s.io/pause:3.9\n    args: [\"--port=8080\", \"--verbose\"]\n---\n"
        let fifty = try dir.write("fifty.yaml", String(repeating: document, count: 50_000_000 / document.utf8.count))
        var limited = ManifestReader()
        limited.maxFileBytes = 10_000_000
        let refused = limited.read([.path(fifty)])
        #expect(refused.documents.isEmpty)
        #expect(refused.errors.map(\.reason).first?.hasSuffix("bytes is over the 10000000-byte limit") == true)

        let count = 5_000_000 / document.utf8.count
        let five = try dir.write("five.yaml", String(repeating: document, count: count))
        var documents = 0
        var errors: [ManifestError] = []
        ManifestReader().read(.path(five)) { result in
            switch result {
            case .success(let d):
                documents += 1
                #expect(d.sourceMap == nil)
            case .failure(let e): errors.append(e)
            }
        }
        #expect(errors.isEmpty)
        #expect(documents == count)
    }
}
