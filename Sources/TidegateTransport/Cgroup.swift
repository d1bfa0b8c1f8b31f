/// The cgroup directories whose limits bind this process for one controller, found from
/// `/proc/self/cgroup` and `/proc/self/mountinfo`: its own cgroup and every ancestor up to the
/// mount point, in the unified (v2) hierarchy and in the v1 hierarchy carrying the controller.
/// Hybrid hosts have both; the controller's files exist in one of them.
enum CgroupHierarchy {
    /// Leaf first. `root` is put before every path read (tests point it at a tree of their own);
    /// the directories returned are without it.
    static func directories(root: String, controller: String) -> (unified: [String], legacy: [String]) {
        guard let membershipText = readSmallTextFile(root + "/proc/self/cgroup"),
              let mountinfo = readSmallTextFile(root + "/proc/self/mountinfo")
        else { return ([], []) }
        let membership = CgroupFiles.membership(membershipText, controller: controller)
        let mounts = CgroupFiles.mounts(
            mountinfo, controller: controller, unifiedPath: membership.unified, legacyPath: membership.legacy)
        var unified: [String] = []
        var legacy: [String] = []
        if let path = membership.unified, let mount = mounts.unified {
            unified = CgroupFiles.directories(cgroupPath: path, mount: mount)
        }
        if let path = membership.legacy, let mount = mounts.legacy {
            legacy = CgroupFiles.directories(cgroupPath: path, mount: mount)
        }
        return (unified, legacy)
    }
}

/// The text formats of the cgroup and `/proc` files read here. Pure: the file system stays in
/// `CgroupHierarchy`, `CPUBudget.read` and `MemoryLimit.read`.
enum CgroupFiles {
    /// Where a cgroup file system is mounted: `root` is the directory of the hierarchy that
    /// appears at `mountPoint` (`/` unless the mount shows only part of it).
    struct Mount: Equatable {
        var root: String
        var mountPoint: String
    }

    /// From `/proc/self/cgroup` ("hierarchy:controllers:path" per line): the process's path in
    /// the unified (v2) hierarchy ("0::/path") and in the v1 hierarchy that has `controller`
    /// ("4:cpu,cpuacct:/path").
    static func membership(_ text: String, controller: String) -> (unified: String?, legacy: String?) {
        var unified: String?
        var legacy: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            if fields[0] == "0" && fields[1].isEmpty {
                unified = String(fields[2])
            } else if fields[1].split(separator: ",").contains(Substring(controller)) {
                legacy = String(fields[2])
            }
        }
        return (unified, legacy)
    }

    /// From `/proc/self/mountinfo`: the cgroup2 mount and the v1 mount carrying `controller`.
    /// When several qualify, the one whose root holds the process's path.
    static func mounts(_ text: String, controller: String, unifiedPath: String?, legacyPath: String?)
        -> (unified: Mount?, legacy: Mount?)
    {
        var unified: [Mount] = []
        var legacy: [Mount] = []
        for line in text.split(separator: "\n") {
            // "36 35 98:0 /root /mount/point rw,noatime shared:1 - cgroup2 cgroup2 rw": the
            // optional fields before " - " vary in number.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, let separator = fields.firstIndex(of: "-"), separator >= 6,
                  separator + 3 < fields.count
            else { continue }
            let mount = Mount(root: unescape(fields[3]), mountPoint: unescape(fields[4]))
            switch fields[separator + 1] {
            case "cgroup2": unified.append(mount)
            case "cgroup" where fields[separator + 3].split(separator: ",").contains(Substring(controller)): legacy.append(mount)
            default: break
            }
        }
        func pick(_ mounts: [Mount], _ path: String?) -> Mount? {
            guard let path else { return mounts.first }
            return mounts.first { relative(path, under: $0.root) != nil } ?? mounts.first
        }
        return (pick(unified, unifiedPath), pick(legacy, legacyPath))
    }

    /// `cpu.max`: "max 100000" (no limit) or "50000 100000" (quota and period, µs).
    static func cpuMax(_ text: String) -> (quota: Int64, period: Int64)? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let quota = Int64(fields[0]), let period = Int64(fields[1]),
              quota > 0, period > 0
        else { return nil }
        return (quota, period)
    }

    /// `cpu.cfs_quota_us` ("-1": no limit) and `cpu.cfs_period_us`.
    static func cfsQuota(_ quota: String, period: String) -> (quota: Int64, period: Int64)? {
        guard let q = Int64(firstField(quota)), let p = Int64(firstField(period)), q > 0, p > 0 else { return nil }
        return (q, p)
    }

    /// `memory.max` (v2, "max": no limit) or `memory.limit_in_bytes` (v1, where no limit reads as
    /// the largest page-aligned value, 9223372036854771712): the limit in bytes, or nil.
    static func memoryLimit(_ text: String) -> Int64? {
        guard let bytes = Int64(firstField(text)), bytes > 0, bytes < 1 << 62 else { return nil }
        return bytes
    }

    private static func firstField(_ text: String) -> Substring {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first ?? ""
    }

    /// The directories from the process's cgroup up to the mount point: a limit on any
    /// ancestor binds it too. Empty when the path is not inside what the mount shows (its
    /// files would be some other cgroup's).
    static func directories(cgroupPath: String, mount: Mount) -> [String] {
        guard let inside = relative(cgroupPath, under: mount.root) else { return [] }
        let base = mount.mountPoint == "/" ? "" : mount.mountPoint
        var components = inside.split(separator: "/").map(String.init)
        var out: [String] = []
        while true {
            out.append(components.isEmpty ? (base.isEmpty ? "/" : base) : base + "/" + components.joined(separator: "/"))
            if components.isEmpty { return out }
            components.removeLast()
        }
    }

    /// `path` below `root`, on whole path segments ("/a/b" under "/a" is "/b"; not under "/ab").
    static func relative(_ path: String, under root: String) -> String? {
        if root == "/" { return path }
        guard path.hasPrefix(root) else { return nil }
        let rest = path.dropFirst(root.count)
        guard rest.isEmpty || rest.hasPrefix("/") else { return nil }
        return String(rest)
    }

    /// mountinfo writes space, tab, newline and backslash in paths as octal escapes (`\040`).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
               let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The tightest memory limit on this process's cgroup or an ancestor (a container's
/// `resources.limits.memory`), for sizing what the server buffers.
public struct MemoryLimit: Sendable, Equatable, CustomStringConvertible {
    public let bytes: Int64
    /// The file it was read from, for the startup log.
    public let source: String

    public init(bytes: Int64, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// "128Mi by cgroup v2 /sys/fs/cgroup/memory.max".
    public var description: String {
        let mebibytes = bytes >> 20
        let amount = bytes & ((1 << 20) - 1) == 0 ? "\(mebibytes)Mi" : "\(bytes) bytes"
        return "\(amount) by \(source)"
    }

    /// This process's limit, or nil when none applies (or none can be read).
    public static func current() -> MemoryLimit? { read(root: "") }

    static func read(root: String) -> MemoryLimit? {
        let hierarchy = CgroupHierarchy.directories(root: root, controller: "memory")
        var limits: [MemoryLimit] = []
        for (directories, file, version) in [(hierarchy.unified, "memory.max", "v2"), (hierarchy.legacy, "memory.limit_in_bytes", "v1")] {
            for directory in directories {
                let path = directory + "/" + file
                if let text = readSmallTextFile(root + path), let bytes = CgroupFiles.memoryLimit(text) {
                    limits.append(MemoryLimit(bytes: bytes, source: "cgroup \(version) " + path))
                }
            }
        }
        return limits.min { $0.bytes < $1.bytes }
    }
}
