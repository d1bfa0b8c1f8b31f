import ArgumentParser

/// `tidegate`: the webhook server and its offline twin. Every subcommand runs the same policy
/// core the webhook runs.
public struct TidegateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tidegate",
        abstract: "Kubernetes admission webhook for image trust and least privilege.",
        discussion: """
            Exit codes: 0 everything allowed, 1 something denied, 2 usage or input errors.
            """,
        subcommands: [CheckCommand.self, FixCommand.self, ExplainCommand.self, ReviewCommand.self, ServeCommand.self,
                      PolicyCommand.self, ImportCommand.self])

    public init() {}

    /// Runs the command line, mapping failures to the documented exit codes (argument
    /// parser usage errors would otherwise exit 64).
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(withError: nil)
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let error as CLIError {
            Console.error("tidegate: \(error)")
            exit(withError: ExitCode(2))
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help, --version
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { Console.error(message) }
            exit(withError: ExitCode(2))
        }
    }
}

/// An input or usage problem the user must fix: exit 2 with this message.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Shared `--policy` option.
struct PolicyOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Policy file (YAML or JSON). Default: the embedded default policy.", valueName: "FILE"))
    var policy: String?
}
