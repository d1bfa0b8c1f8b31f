import Foundation

/// Expands a path into manifest files: a file is itself; a directory is every `.yaml`, `.yml`
/// and `.json` file below it, sorted so output is stable, with each real directory visited
/// once so symlink loops end.
enum ManifestFiles {
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    static func expand(_ path: String) throws(ManifestError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ManifestError(path: path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        var files: [String] = []
        var visited = Set<String>()
        try walk(path, into: &files, visited: &visited)
        return files
    }

    private static func walk(_ directory: String, into files: inout [String], visited: inout Set<String>) throws(ManifestError) {
        let real = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard visited.insert(real).inserted else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ManifestError(path: directory, reason: "cannot list the directory")
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for entry in entries.sorted() {
            let path = base + entry
            var isDirectory: ObjCBool = false
            // fileExists follows symlinks: a dangling link is skipped, a linked directory walked.
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try walk(path, into: &files, visited: &visited)
            } else if extensions.contains((entry as NSString).pathExtension.lowercased()) {
                files.append(path)
            }
        }
    }
}
