import ArgumentParser
import TidegateConfig

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Translate policies written for other admission controllers into a Tidegate policy.",
        subcommands: [Gatekeeper.self])

    struct Gatekeeper: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gatekeeper",
            abstract: "Translate OPA Gatekeeper constraints (gatekeeper-library templates) into a Tidegate policy.",
            discussion: """
                Writes the policy to standard output: every rule off, then on exactly where a constraint \
                asks. Every parameter or constraint that is not carried over exactly is explained on \
                standard error, naming the constraint and the parameter.
                Supported kinds: K8sAllowedRepos, K8sAllowedReposv2, K8sDisallowedTags, K8sImageDigests, \
                K8sPSPPrivilegedContainer, K8sPSPAllowPrivilegeEscalationContainer, \
                K8sPSPReadOnlyRootFilesystem, K8sPSPCapabilities, K8sPSPAllowedUsers, K8sPSPForbiddenSysctls, \
                K8sPSPHostNamespace, K8sPSPHostNetworkingPorts, K8sPSPProcMount, K8sPSPVolumeTypes, \
                K8sPSPHostFilesystem, K8sPSPSeccomp, K8sPSPAppArmor, K8sPSPSELinuxV2.
                Exit codes: 0 a policy was written (some constraints may be left out, see standard \
                error), 2 no constraint could be translated or the input is unreadable.
                """)

        @Argument(help: ArgumentHelp("Constraint files (YAML or JSON, several documents each), or - for standard input.", valueName: "FILE"))
        var files: [String]

        func run() throws {
            let documents = try Inputs.documents(files)
            let result = GatekeeperImporter.translate(documents.map(\.object))
            for note in result.notes { Console.error("tidegate import: \(note)\n") }
            guard !result.isEmpty else {
                throw CLIError("no constraint could be translated; no policy written")
            }
            var header = "# Imported from Gatekeeper constraints: \(result.imported.joined(separator: ", "))\n"
            if !result.unsupported.isEmpty {
                header += "# Not imported: \(result.unsupported.joined(separator: ", "))\n"
            }
            Console.out(header + PolicyWriter.yaml(result.policy))
        }
    }
}
