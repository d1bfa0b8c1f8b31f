import CTidegateSystem
#if canImport(Glibc)
import Glibc
#endif

/// How much CPU this process may use, which sizes the default number of event loops: the CPUs
/// its affinity allows, capped by the CPU bandwidth limit of its cgroup (a container's
/// `resources.limits.cpu`), rounded up.
///
/// Why the cap: a pod limited to `500m` on a 16-core node would otherwise start 16 loops that
/// share half a CPU of quota. Running side by side they spend each period's quota early, then
/// all of them stop until the next period starts (CFS throttling; periods are 100 ms by
/// default), and every review in flight waits out the rest of the period. Loops matching the
/// quota spend it one after another. An explicit `--event-loops` still wins.
public struct CPUBudget: Sendable, Equatable, CustomStringConvertible {
    /// CPUs in this process's affinity mask.
    public let allowedCPUs: Int
    /// The tightest bandwidth limit on this process's cgroup or one of its ancestors; nil when
    /// there is none (or it cannot be read).
    public let limit: CgroupCPULimit?

    public init(allowedCPUs: Int, limit: CgroupCPULimit?) {
        self.allowedCPUs = max(1, allowedCPUs)
        self.limit = limit
    }

    /// One loop per CPU the process may use: its CPUs, or its limit rounded up when that is
    /// fewer (`500m` → 1, `1500m` → 2), never fewer than one.
    public var eventLoops: Int {
        guard let limit else { return allowedCPUs }
        return max(1, min(allowedCPUs, limit.wholeCPUs))
    }

    /// Whether the limit, not the CPUs, is what caps this process (`limit < allowedCPUs`).
    public var quotaBinds: Bool {
        guard let limit else { return false }
        return limit.cpus < Double(allowedCPUs)
    }

    public var description: String {
        let cpus = "\(allowedCPUs) CPU\(allowedCPUs == 1 ? "" : "s") (affinity)"
        guard let limit else { return cpus }
        return "\(cpus), limited to \(limit.cpusText) by \(limit.source)"
    }

    /// This process's budget, read from `/proc/self` and the cgroup file systems.
    public static func current() -> CPUBudget {
        read(root: "", allowedCPUs: Int(tg_allowed_cpus()))
    }

    /// `root` is put before every path read: tests point it at a directory tree of their own.
    static func read(root: String, allowedCPUs: Int) -> CPUBudget {
        guard let membership = readSmallTextFile(root + "/proc/self/cgroup").map(CgroupFiles.membership),
              let mountinfo = readSmallTextFile(root + "/proc/self/mountinfo")
        else { return CPUBudget(allowedCPUs: allowedCPUs, limit: nil) }
        let mounts = CgroupFiles.mounts(mountinfo, unifiedPath: membership.unified, cpuPath: membership.cpu)
        var limits: [CgroupCPULimit] = []
        // Hybrid hosts have both: the cpu controller sits in one of them, the other has no files.
        if let path = membership.unified, let mount = mounts.unified {
            for directory in CgroupFiles.directories(cgroupPath: path, mount: mount) {
                let file = directory + "/cpu.max"
                if let text = readSmallTextFile(root + file), let (quota, period) = CgroupFiles.cpuMax(text) {
                    limits.append(CgroupCPULimit(quota: quota, period: period, source: "cgroup v2 " + file))
                }
            }
        }
        if let path = membership.cpu, let mount = mounts.cpu {
            for directory in CgroupFiles.directories(cgroupPath: path, mount: mount) {
                let file = directory + "/cpu.cfs_quota_us"
                if let quota = readSmallTextFile(root + file),
                   let period = readSmallTextFile(root + directory + "/cpu.cfs_period_us"),
                   let (q, p) = CgroupFiles.cfsQuota(quota, period: period) {
                    limits.append(CgroupCPULimit(quota: q, period: p, source: "cgroup v1 " + file))
                }
            }
        }
        return CPUBudget(allowedCPUs: allowedCPUs, limit: limits.min { $0.cpus < $1.cpus })
    }
}

/// A CFS bandwidth limit: `quota` microseconds of CPU time every `period` microseconds.
public struct CgroupCPULimit: Sendable, Equatable {
    public let quota: Int64
    public let period: Int64
    /// The file it was read from, for the startup log.
    public let source: String

    public init(quota: Int64, period: Int64, source: String) {
        self.quota = quota
        self.period = period
        self.source = source
    }

    public var cpus: Double { Double(quota) / Double(period) }

    /// CPUs rounded up: the part of a CPU past the last whole one still runs a loop.
    var wholeCPUs: Int {
        let whole = quota / period + (quota % period == 0 ? 0 : 1)
        return Int(clamping: whole)
    }

    /// In Kubernetes' quantity notation, as the limit was likely written: `500m`, `2`.
    var cpusText: String {
        let millicores = Int64(min((Double(quota) * 1000 / Double(period)).rounded(.up), 1e15))
        return millicores % 1000 == 0 ? "\(millicores / 1000)" : "\(millicores)m"
    }
}

/// The text formats of the files `CPUBudget` reads. Pure: the file system stays in `CPUBudget.read`.
enum CgroupFiles {
    /// Where a cgroup file system is mounted: `root` is the directory of the hierarchy that
    /// appears at `mountPoint` (`/` unless the mount shows only part of it).
    struct Mount: Equatable {
        var root: String
        var mountPoint: String
    }

    /// From `/proc/self/cgroup` ("hierarchy:controllers:path" per line): the process's path in
    /// the unified (v2) hierarchy ("0::/path") and in the v1 hierarchy that has the cpu
    /// controller ("4:cpu,cpuacct:/path").
    static func membership(_ text: String) -> (unified: String?, cpu: String?) {
        var unified: String?
        var cpu: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            if fields[0] == "0" && fields[1].isEmpty {
                unified = String(fields[2])
            } else if fields[1].split(separator: ",").contains("cpu") {
                cpu = String(fields[2])
            }
        }
        return (unified, cpu)
    }

    /// From `/proc/self/mountinfo`: the cgroup2 mount and the v1 mount with the cpu controller.
    /// When several qualify, the one whose root holds the process's path.
    static func mounts(_ text: String, unifiedPath: String?, cpuPath: String?) -> (unified: Mount?, cpu: Mount?) {
        var unified: [Mount] = []
        var cpu: [Mount] = []
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
            case "cgroup" where fields[separator + 3].split(separator: ",").contains("cpu"): cpu.append(mount)
            default: break
            }
        }
        func pick(_ mounts: [Mount], _ path: String?) -> Mount? {
            guard let path else { return mounts.first }
            return mounts.first { relative(path, under: $0.root) != nil } ?? mounts.first
        }
        return (pick(unified, unifiedPath), pick(cpu, cpuPath))
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
        let trim: (String) -> Substring = { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).first ?? "" }
        guard let q = Int64(trim(quota)), let p = Int64(trim(period)), q > 0, p > 0 else { return nil }
        return (q, p)
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
