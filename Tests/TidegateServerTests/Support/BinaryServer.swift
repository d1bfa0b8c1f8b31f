import Foundation

/// `tidegate serve --dev` as a child process on 127.0.0.1 port 0; the bound ports are read from
/// its "listening" log lines. Used where the process itself is under test (signals, README commands).
final class BinaryServer: @unchecked Sendable {
    let directory: String
    let command: BackgroundCommand
    let httpsPort: Int
    let healthPort: Int
    let devDirectory: String

    var pid: Int32 { command.process.processIdentifier }
    /// The throwaway CA `--dev` wrote (trust only this one).
    var caFile: String { (devDirectory.hasPrefix("/") ? "" : directory + "/") + devDirectory + "/ca.pem" }

    func metrics() throws -> String { try curl(["http://127.0.0.1:\(healthPort)/metrics"]).text }

    /// `directory` is the working directory; the development certificates go to `devDirectory` in it.
    init(directory: String, devDirectory: String = "certs/dev", extraArguments: [String] = [],
         environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Paths.binary) else {
            throw ServerTestError("\(Paths.binary) is missing: run `swift build --product tidegate` first")
        }
        self.directory = directory
        self.devDirectory = devDirectory
        command = try BackgroundCommand(
            [Paths.binary, "serve", "--dev", "--dev-dir", devDirectory,
             "--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0", "--event-loops", "2"] + extraArguments,
            directory: directory, bound: nil, environment: environment)
        var ports: [String: Int] = [:]
        let command = self.command
        _ = eventually(within: .seconds(60)) {
            ports = Self.listeningPorts(in: command.stderrSoFar)
            return ports.count == 2 || !command.process.isRunning
        }
        guard let https = ports["https"], let health = ports["health"] else {
            command.process.terminate()
            let result = command.wait()
            throw ServerTestError("tidegate serve did not start (status \(result.status)): \(result.stderr)")
        }
        httpsPort = https
        healthPort = health
    }

    /// Listener name to port, from the JSON log lines `{"msg":"listening","listener":"https",...,"port":"N"}`.
    static func listeningPorts(in log: String) -> [String: Int] {
        var ports: [String: Int] = [:]
        for line in log.split(separator: "\n") where line.contains("\"msg\":\"listening\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let name = object["listener"] as? String, let port = (object["port"] as? String).flatMap(Int.init)
            else { continue }
            ports[name] = port
        }
        return ports
    }

    func signal(_ signo: Int32) { Glibc.kill(pid, signo) }

    /// Waits up to `bound` for the process to exit, then kills it; returns its result.
    func waitForExit(bound: Duration = .seconds(60)) -> CommandResult {
        let process = command.process
        if !eventually(within: bound, { !process.isRunning }) { Glibc.kill(pid, SIGKILL) }
        return command.wait()
    }

    /// Makes sure no server outlives its test.
    func kill() {
        if command.process.isRunning { Glibc.kill(pid, SIGKILL) }
        _ = command.wait()
    }

    /// Runs `tidegate serve --dev` with `arguments` that must stop it before it serves, and
    /// returns how it ended (status and the message on stderr).
    static func refusedStart(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try BackgroundCommand(
            [Paths.binary, "serve", "--dev", "--dev-dir", NSTemporaryDirectory() + "tidegate-refused-\(UUID().uuidString)",
             "--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"] + arguments,
            environment: environment).wait()
    }
}
