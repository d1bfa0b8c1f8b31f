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
        let hierarchy = CgroupHierarchy.directories(root: root, controller: "cpu")
        var limits: [CgroupCPULimit] = []
        // Hybrid hosts have both: the cpu controller sits in one of them, the other has no files.
        for directory in hierarchy.unified {
            let file = directory + "/cpu.max"
            if let text = readSmallTextFile(root + file), let (quota, period) = CgroupFiles.cpuMax(text) {
                limits.append(CgroupCPULimit(quota: quota, period: period, source: "cgroup v2 " + file))
            }
        }
        for directory in hierarchy.legacy {
            let file = directory + "/cpu.cfs_quota_us"
            if let quota = readSmallTextFile(root + file),
               let period = readSmallTextFile(root + directory + "/cpu.cfs_period_us"),
               let (q, p) = CgroupFiles.cfsQuota(quota, period: period) {
                limits.append(CgroupCPULimit(quota: q, period: p, source: "cgroup v1 " + file))
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
