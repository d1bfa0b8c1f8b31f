import ArgumentParser
import TidegateConfig

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Print the embedded default policy, or validate a policy file.",
        subcommands: [PrintDefault.self, Validate.self])

    struct PrintDefault: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "default", abstract: "Print the embedded default policy (the starting point for your own).")

        func run() throws {
            Console.out(PolicyLoader.defaultPolicyText)
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate", abstract: "Validate policy files; print every error with file, line and field.")

        @Argument(help: ArgumentHelp("Policy files.", valueName: "FILE"))
        var files: [String]

        func run() throws {
            for file in files {
                _ = try Inputs.policy(file)
                Console.out("\(file): ok\n")
            }
        }
    }
}
