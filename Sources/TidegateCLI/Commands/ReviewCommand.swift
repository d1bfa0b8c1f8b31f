import ArgumentParser
import TidegateAdmission
import TidegateJSON

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Answer an AdmissionReview exactly as the webhook would (the curl-parity path).",
        discussion: "Prints the response body the server sends for the same request. Exit code 1 when it denies.")

    @OptionGroup var policyOption: PolicyOption

    @Option(name: .long, help: "The endpoint to answer as: validate or mutate.")
    var endpoint: Endpoint = .validate

    @Argument(help: ArgumentHelp("An AdmissionReview JSON file, or - for standard input.", valueName: "FILE"))
    var file: String = "-"

    enum Endpoint: String, ExpressibleByArgument, CaseIterable {
        case validate, mutate
    }

    func run() throws {
        let policy = try Inputs.policy(policyOption.policy)
        let bytes = try Inputs.bytes(of: file)
        let engine = AdmissionEngine(policy: policy)
        let outcome: AdmissionOutcome
        do {
            outcome = try engine.handle(bytes, endpoint: endpoint == .mutate ? .mutate : .validate)
        } catch {
            throw CLIError("\(file == "-" ? "<stdin>" : file): \(error)")
        }
        Console.out(String(decoding: outcome.body, as: UTF8.self) + "\n")
        if !outcome.response.allowed { throw ExitCode(1) }
    }
}
