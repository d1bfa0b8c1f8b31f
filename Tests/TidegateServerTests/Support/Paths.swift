import Foundation

/// Where the tests find the package, the shared payloads and the built binary, located from this
/// file rather than the working directory (`swift test` may run from anywhere).
enum Paths {
    /// The package root: three levels above Tests/TidegateServerTests/Support/Paths.swift.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `shared/payloads` next to the repository (CI clones the repo beside a copy of shared/); a
    /// worktree may sit deeper, so every ancestor's `shared/payloads` is tried, nearest first.
    static let payloads: String = {
        var url = URL(fileURLWithPath: packageRoot)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("shared/payloads").path
            if FileManager.default.fileExists(atPath: candidate + "/pod-small.json") { return candidate }
        }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/payloads").path
    }()

    static func payload(_ name: String) -> String { payloads + "/" + name }

    static func payloadBytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: payload(name))))
    }

    /// The `tidegate` executable `swift build` (and `swift test`) put in the debug build directory.
    static let binary = packageRoot + "/.build/debug/tidegate"
}

/// A fresh temporary directory; removed by whoever owns it.
func makeTemporaryDirectory(_ purpose: String) throws -> String {
    let path = NSTemporaryDirectory() + "tidegate-server-\(purpose)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func writeFile(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Replaces `path` in one step (write beside it, then rename), as a Secret volume update would.
func replaceFile(_ path: String, _ bytes: [UInt8]) throws {
    let staging = path + ".staging-\(UUID().uuidString.prefix(6))"
    try writeFile(staging, bytes)
    guard rename(staging, path) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
}

func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Polls `condition` until it holds or `bound` passes. The bound is a generous ceiling for a loaded
/// machine, never a claim about speed.
func eventually(within bound: Duration = .seconds(60), every pause: Duration = .milliseconds(50), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + bound
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
    }
    return try condition()
}
