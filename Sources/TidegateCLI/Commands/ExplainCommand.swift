import ArgumentParser
import TidegateJSON
import TidegatePolicy

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show each container's effective user, capabilities, privileges and image, and where each comes from.",
        discussion: """
            The offline answer to `kubectl exec <pod> -- whoami`: values come from the container, the pod, or nowhere (then the image or the runtime decides, which a manifest cannot tell).
            """)

    @Option(name: .long, help: "Output format: text or json.")
    var output: CheckCommand.Format = .text

    @Argument(help: ArgumentHelp("Manifest files, directories, or - for standard input.", valueName: "PATH"))
    var paths: [String]

    func run() throws {
        let documents = try Inputs.documents(paths)
        var text = ""
        var json: [JSONValue] = []
        for document in documents {
            let object = document.object
            let who = [object["metadata"]?["namespace"]?.stringValue, object["metadata"]?["name"]?.stringValue]
                .compactMap { $0 }.joined(separator: "/")
            let kind = object["kind"]?.stringValue ?? "?"
            guard let pod = PodUnderReview(object: object) else {
                text += "\(document.source)  \(kind) \(who)  (no pod spec)\n"
                continue
            }
            text += "\(document.source)  \(kind) \(who)\(pod.isWindows ? "  (Windows pod)" : "")\n"
            var containers: [JSONValue] = []
            for container in pod.containers {
                let effective = pod.effectiveSecurityContext(of: container)
                let image = ImageExplanation(container.body["image"]?.stringValue)
                text += "  \(container.ref.kind.noun) \"\(container.ref.name)\":\n"
                text += "    image   \(image.text)\n"
                text += "    whoami  \(effective.whoami)\n"
                let width = effective.rows.map(\.field.count).max() ?? 0
                let values = effective.rows.map { $0.value.map { JSONWriter().string($0) } ?? "-" }
                let valueWidth = min(24, values.map(\.count).max() ?? 0)
                for (row, value) in zip(effective.rows, values) {
                    let source = row.source == .unset ? "" : "from the \(row.source.rawValue) (\(row.path?.description ?? ""))"
                    let pad = String(repeating: " ", count: width - row.field.count)
                    let valuePad = String(repeating: " ", count: max(0, valueWidth - value.count))
                    let note = row.note.map { source.isEmpty ? $0 : "; \($0)" } ?? ""
                    text += "    \(row.field)\(pad)  \(value)\(valuePad)  \(source)\(note)\n"
                }
                for ignored in effective.ignoredPodFields {
                    text += "    note: pod-level \(ignored.field) at \(ignored.path) is ignored by Kubernetes\n"
                }
                containers.append([
                    "kind": .string(container.ref.kind.rawValue), "name": .string(container.ref.name),
                    "path": .string(container.path.description),
                    "image": image.json, "whoami": .string(effective.whoami),
                    "settings": .array(effective.rows.map { row in
                        ["field": .string(row.field), "value": row.value ?? .null, "source": .string(row.source.rawValue),
                         "path": row.path.map { .string($0.description) } ?? .null, "note": row.note.map(JSONValue.string) ?? .null]
                    }),
                ])
            }
            json.append(["source": .string(document.source), "kind": .string(kind), "name": .string(who),
                         "containers": .array(containers)])
        }
        Console.out(output == .json ? JSONWriter(style: .pretty).string(.array(json)) + "\n" : text)
    }
}

/// How an image reference resolves: what the runtime actually pulls.
struct ImageExplanation {
    var text: String
    var json: JSONValue

    init(_ image: String?) {
        guard let image else {
            text = "(none)"
            json = .null
            return
        }
        do {
            let ref = try ImageReference.parse(image)
            var notes: [String] = []
            if ref.registryWasImplicit { notes.append("no registry written: Docker Hub") }
            if !ref.hasTag && !ref.hasDigest { notes.append("no tag: :latest") }
            if ref.hasTag && ref.hasDigest { notes.append("tag ignored: the digest is pulled") }
            if ref.isMutable { notes.append("mutable: may change under the same name") }
            text = "\(image) → \(ref.pullReference)" + (notes.isEmpty ? "" : "  (\(notes.joined(separator: "; ")))")
            json = ["written": .string(image), "pulls": .string(ref.pullReference), "registry": .string(ref.domain),
                    "repository": .string(ref.path), "tag": ref.tag.map(JSONValue.string) ?? .null,
                    "digest": ref.digest.map(JSONValue.string) ?? .null, "notes": .array(notes.map(JSONValue.string))]
        } catch {
            text = "\(image)  (invalid: \(error.reason))"
            json = ["written": .string(image), "error": .string(error.reason)]
        }
    }
}
