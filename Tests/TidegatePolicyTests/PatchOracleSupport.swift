import Foundation
import TidegateJSON

/// Applies an RFC 6902 patch with Python's `jsonpatch` package: an implementation written
/// independently of TidegateJSON, used as the oracle for the patches Tidegate sends.
enum PythonJSONPatch {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `{"doc": ..., "patch": [...]}` on stdin, prints the patched document.
    private static let script = """
        import json, sys
        try:
            import jsonpatch
        except ImportError as error:
            sys.stderr.write("the Python package jsonpatch is not installed (pip install jsonpatch): %s\\n" % error)
            sys.exit(3)
        request = json.load(sys.stdin)
        json.dump(jsonpatch.JsonPatch(request["patch"]).apply(request["doc"]), sys.stdout)
        """

    static func apply(_ patch: JSONPatch, to document: JSONValue) throws -> JSONValue {
        let input = JSONWriter().bytes(["doc": document, "patch": patch.json])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 through /usr/bin/env: \(error)")
        }
        // The script reads all of stdin before writing anything, so writing first cannot block.
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let hint = process.terminationStatus == 127 ? "python3 is not installed; " : ""
            throw Failure(description: "\(hint)python3 jsonpatch exited with \(process.terminationStatus): \(errors)")
        }
        do {
            return try JSONReader().parse([UInt8](output))
        } catch {
            throw Failure(description: "python3 printed something that is not JSON (\(error)): \(String(decoding: output, as: UTF8.self))")
        }
    }
}
