import ArgumentParser
import TidegateJSON
import TidegatePolicy

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check manifests offline with the webhook's policy core (dry run).",
        discussion: """
            Reads YAML (multi-document), JSON, `kind: List` and AdmissionReview files. Exit code 0 when everything is allowed, 1 when anything is denied, 2 on usage or parse errors.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var policyOption: PolicyOption

    @Option(name: .long, help: "Output format: text (for people) or json (one array, an entry per object).")
    var output: Format = .text

    @Argument(help: ArgumentHelp("Files, directories (searched recursively), or - for standard input.", valueName: "PATH"))
    var paths: [String]

    func run() throws {
        let policy = try Inputs.policy(policyOption.policy)
        let documents = try Inputs.documents(paths)
        let checked = documents.map { Inputs.check($0, policy: policy) }
        switch output {
        case .json:
            Console.out(JSONWriter(style: .pretty).string(.array(checked.map(\.json))) + "\n")
        case .text:
            Console.out(TextReport.render(checked, color: Console.stdoutIsTerminal))
        }
        if checked.contains(where: { !$0.allowed }) { throw ExitCode(1) }
    }
}
