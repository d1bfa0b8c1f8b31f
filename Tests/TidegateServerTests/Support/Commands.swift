import Foundation

/// What a finished command left behind.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion under coreutils `timeout` (a generous bound so a hung client fails
/// the test instead of hanging it). Output goes through files, so large output cannot deadlock.
@discardableResult
func runCommand(_ arguments: [String], directory: String? = nil, bound: Int = 90) throws -> CommandResult {
    let process = try BackgroundCommand(arguments, directory: directory, bound: bound)
    return process.wait()
}

/// A command running in the background; its output is read once it ends.
final class BackgroundCommand: @unchecked Sendable {
    let process = Process()
    private let outFile: String
    private let errFile: String

    /// `bound` nil runs the command directly (its pid is then the command's own, for signals).
    /// `environment` adds to (or overrides) this process's environment.
    init(_ arguments: [String], directory: String? = nil, bound: Int? = 90, environment: [String: String] = [:]) throws {
        let scratch = NSTemporaryDirectory() + "tidegate-cmd-\(UUID().uuidString)"
        outFile = scratch + ".out"
        errFile = scratch + ".err"
        for file in [outFile, errFile] where !FileManager.default.createFile(atPath: file, contents: nil) {
            throw ServerTestError("cannot create \(file) for a command's output")
        }
        if let bound {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["-s", "KILL", "\(bound)"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outFile)
        process.standardError = FileHandle(forWritingAtPath: errFile)
        try process.run()
    }

    /// What the command has written to stderr so far.
    var stderrSoFar: String { (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "" }

    func wait() -> CommandResult {
        process.waitUntilExit()
        let result = CommandResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
            stderr: stderrSoFar)
        try? FileManager.default.removeItem(atPath: outFile)
        try? FileManager.default.removeItem(atPath: errFile)
        return result
    }
}
