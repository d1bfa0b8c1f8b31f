import ArgumentParser

public struct TidegateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tidegate",
        abstract: "Kubernetes admission webhook for image trust and least privilege.")
    public init() {}
}
