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

    @Flag(name: .long, help: "Also report the highest Pod Security Standards level each workload meets, and exactly what stands between it and the next one.")
    var level = false

    @Argument(help: ArgumentHelp("Files, directories (searched recursively), or - for standard input.", valueName: "PATH"))
    var paths: [String]

    func run() throws {
        let policy = try Inputs.policy(policyOption.policy)
        let documents = try Inputs.documents(paths)
        var checked = documents.map { Inputs.check($0, policy: policy) }
        if level {
            let version = policy.podSecurity?.version ?? .latest
            // Objects the policy exempts are not measured either; the rest reuse the pod spec
            // the check already read.
            for i in checked.indices where checked[i].skipped == nil {
                checked[i].podSecurity = checked[i].evaluation.pod.map { PodSecurityLevels.evaluate($0, version: version) }
            }
        }
        switch output {
        case .json:
            Console.out(JSONWriter(style: .pretty).string(.array(checked.map(\.json))) + "\n")
        case .text:
            Console.out(TextReport.render(checked, color: Console.stdoutIsTerminal))
        }
        if checked.contains(where: { !$0.allowed }) { throw ExitCode(1) }
    }
}
