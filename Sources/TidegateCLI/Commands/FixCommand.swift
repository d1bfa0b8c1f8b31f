import ArgumentParser
import TidegateJSON
import TidegatePolicy

struct FixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Print the manifests with every mechanical fix applied, or the fixes as JSON Patch.",
        discussion: """
            Output keeps the input's format (YAML in, YAML out; JSON in, JSON out). With --patch, prints RFC 6902 operations: one array for a single object, [{"source", "patch"}] for several. The exit code is judged on the input: 1 when the input would be denied.
            """)

    @OptionGroup var policyOption: PolicyOption

    @Flag(name: .long, help: "Print the RFC 6902 operations instead of the fixed manifests.")
    var patch = false

    @Argument(help: ArgumentHelp("A manifest file, a directory, or - for standard input.", valueName: "PATH"))
    var path: String

    func run() throws {
        let policy = try Inputs.policy(policyOption.policy)
        let documents = try Inputs.documents([path])
        var deniedInput = false
        var fixed: [(document: InputDocument, result: FixResult)] = []
        for document in documents {
            let evaluation = PolicyEngine.evaluate(document.object, policy: policy)
            if evaluation.findings.contains(where: { policy.effectiveAction($0.action) == .deny }) { deniedInput = true }
            fixed.append((document, PolicyEngine.fix(document.object, policy: policy)))
        }
        if patch {
            if fixed.count == 1 {
                Console.out(JSONWriter(style: .pretty).string(fixed[0].result.patch.json) + "\n")
            } else {
                let entries: [JSONValue] = fixed.map { ["source": .string($0.document.source), "patch": $0.result.patch.json] }
                Console.out(JSONWriter(style: .pretty).string(.array(entries)) + "\n")
            }
        } else {
            Console.out(try Inputs.render(fixed.map { ($0.document, $0.result.fixed) }))
        }
        if deniedInput { throw ExitCode(1) }
    }
}
