import Foundation
import Testing
@testable import TidegateTransport

/// The default event loop count: one per CPU the process may use, its affinity capped by its
/// cgroup's CPU bandwidth limit rounded up.
@Suite("CPU budget")
struct CPUBudgetTests {
    // MARK: The rule

    @Test("loops: the CPUs, or the limit rounded up when that is fewer, never fewer than one", arguments: [
        (16, nil, 16),                       // no limit: one per CPU
        (16, (50_000, 100_000), 1),          // 500m on a 16-core node
        (16, (100_000, 100_000), 1),         // exactly one CPU
        (16, (150_000, 100_000), 2),         // 1500m: the half CPU still runs a loop
        (16, (200_000, 100_000), 2),
        (16, (1_000, 100_000), 1),           // 10m: one loop, not zero
        (2, (400_000, 100_000), 2),          // a limit above the CPUs it may run on
        (4, (250_000, 50_000), 4),           // 5 CPUs over a 50 ms period, 4 CPUs to run on
        (1, nil, 1),
    ] as [(Int, (Int64, Int64)?, Int)])
    func eventLoops(cpus: Int, limit: (quota: Int64, period: Int64)?, expected: Int) {
        let budget = CPUBudget(
            allowedCPUs: cpus, limit: limit.map { CgroupCPULimit(quota: $0.quota, period: $0.period, source: "test") })
        #expect(budget.eventLoops == expected)
    }

    @Test("the startup log names the limit the way it was likely written", arguments: [
        (50_000, 100_000, "500m"), (100_000, 100_000, "1"), (150_000, 100_000, "1500m"), (200_000, 100_000, "2"),
        (33_333, 100_000, "334m"),  // rounded up, as the loop count is
    ] as [(Int64, Int64, String)])
    func limitText(quota: Int64, period: Int64, text: String) {
        #expect(CgroupCPULimit(quota: quota, period: period, source: "f").cpusText == text)
        let budget = CPUBudget(allowedCPUs: 8, limit: CgroupCPULimit(quota: quota, period: period, source: "cgroup v2 /x/cpu.max"))
        #expect(budget.description == "8 CPUs (affinity), limited to \(text) by cgroup v2 /x/cpu.max")
    }

    // MARK: File formats

    @Test("cpu.max (cgroup v2): quota and period, or max for none", arguments: [
        ("50000 100000\n", (50_000, 100_000)),
        ("200000 100000", (200_000, 100_000)),
        ("max 100000\n", nil),
        ("max\n", nil),
        ("", nil),
        ("0 100000\n", nil),          // not a limit the kernel accepts
        ("50000 0\n", nil),
        ("-1 100000\n", nil),
        ("50000 100000 7\n", nil),    // not the format
    ] as [(String, (Int64, Int64)?)])
    func cpuMax(text: String, expected: (quota: Int64, period: Int64)?) {
        let parsed = CgroupFiles.cpuMax(text)
        #expect(parsed?.quota == expected?.quota && parsed?.period == expected?.period)
    }

    @Test("cpu.cfs_quota_us and cpu.cfs_period_us (cgroup v1): -1 for none", arguments: [
        ("50000\n", "100000\n", (50_000, 100_000)),
        ("-1\n", "100000\n", nil),
        ("50000\n", "", nil),
        ("x\n", "100000\n", nil),
    ] as [(String, String, (Int64, Int64)?)])
    func cfsQuota(quota: String, period: String, expected: (quota: Int64, period: Int64)?) {
        let parsed = CgroupFiles.cfsQuota(quota, period: period)
        #expect(parsed?.quota == expected?.quota && parsed?.period == expected?.period)
    }

    @Test("/proc/self/cgroup: the unified path and the path of the v1 hierarchy with the controller", arguments: [
        ("0::/kubepods.slice/pod1/cri-abc.scope\n", "cpu", "/kubepods.slice/pod1/cri-abc.scope", nil),
        ("0::/\n", "cpu", "/", nil),
        // Hybrid (v1 controllers, an empty v2 hierarchy).
        ("12:cpu,cpuacct:/docker/abc\n4:memory:/docker/m\n0::/docker/abc\n", "cpu", "/docker/abc", "/docker/abc"),
        ("12:cpu,cpuacct:/docker/abc\n4:memory:/docker/m\n0::/docker/abc\n", "memory", "/docker/abc", "/docker/m"),
        ("3:cpuacct,cpu:/a\n", "cpu", nil, "/a"),
        ("5:cpuset:/a\n", "cpu", nil, nil),          // cpuset is not cpu
        ("1:name=systemd:/a\n", "cpu", nil, nil),
        ("garbage\n\n", "memory", nil, nil),
    ] as [(String, String, String?, String?)])
    func membership(text: String, controller: String, unified: String?, legacy: String?) {
        let parsed = CgroupFiles.membership(text, controller: controller)
        #expect(parsed.unified == unified)
        #expect(parsed.legacy == legacy)
    }

    @Test("/proc/self/mountinfo: the cgroup2 mount and the v1 mount carrying cpu")
    func mounts() {
        let text = """
            22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
            31 25 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid master:10 - cgroup cgroup rw,cpu,cpuacct
            32 25 0:28 / /sys/fs/cgroup/cpuset rw shared:11 - cgroup cgroup rw,cpuset
            33 25 0:29 / /mnt/with\\040space rw - cgroup2 cgroup2 rw
            broken line
            """
        let found = CgroupFiles.mounts(text, controller: "cpu", unifiedPath: "/", legacyPath: "/docker/abc")
        #expect(found.unified == CgroupFiles.Mount(root: "/", mountPoint: "/sys/fs/cgroup"))
        #expect(found.legacy == CgroupFiles.Mount(root: "/docker/abc", mountPoint: "/sys/fs/cgroup/cpu,cpuacct"))
        #expect(CgroupFiles.mounts(text, controller: "memory", unifiedPath: "/", legacyPath: "/").legacy == nil)
        #expect(CgroupFiles.unescape("/mnt/with\\040space") == "/mnt/with space")
        #expect(CgroupFiles.unescape("/plain") == "/plain")
        #expect(CgroupFiles.unescape("/trailing\\04") == "/trailing\\04")
    }

    @Test("the directories read: the process's cgroup and every ancestor up to the mount point", arguments: [
        ("/a/b", "/", "/sys/fs/cgroup", ["/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"]),
        ("/", "/", "/sys/fs/cgroup", ["/sys/fs/cgroup"]),
        ("/docker/abc", "/docker/abc", "/sys/fs/cgroup/cpu", ["/sys/fs/cgroup/cpu"]),
        ("/docker/abc/x", "/docker/abc", "/c", ["/c/x", "/c"]),
        ("/dockerx", "/docker", "/c", []),      // not under the mount's root: some other cgroup's files
        ("/other", "/docker/abc", "/c", []),
        ("/a", "/", "/", ["/a", "/"]),
    ] as [(String, String, String, [String])])
    func directories(path: String, root: String, mountPoint: String, expected: [String]) {
        #expect(CgroupFiles.directories(cgroupPath: path, mount: .init(root: root, mountPoint: mountPoint)) == expected)
    }

    // MARK: Real files

    /// A root directory laid out like `/proc/self` and `/sys/fs/cgroup`.
    final class FakeRoot {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("tidegate-cgroup-\(UUID().uuidString)").path
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ relative: String, _ text: String) throws {
            let url = URL(fileURLWithPath: path + relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    private static let unifiedMountinfo = "30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"

    @Test("cgroup v2: the tightest limit on the process's cgroup and its ancestors", arguments: [
        // Its own cgroup's limit (the container's), the pod's unlimited.
        ([("/kubepods/pod1/ctr", "50000 100000\n"), ("/kubepods/pod1", "max 100000\n")],
         "/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", 1),
        // An ancestor's tighter limit binds the process too.
        ([("/kubepods/pod1/ctr", "max 100000\n"), ("/kubepods/pod1", "300000 100000\n"), ("/kubepods", "200000 100000\n")],
         "/sys/fs/cgroup/kubepods/cpu.max", 2),
    ] as [([(String, String)], String, Int)])
    func unified(limits: [(cgroup: String, cpuMax: String)], source: String, loops: Int) throws {
        let root = try FakeRoot()
        try root.write("/proc/self/cgroup", "0::/kubepods/pod1/ctr\n")
        try root.write("/proc/self/mountinfo", Self.unifiedMountinfo)
        for (cgroup, text) in limits { try root.write("/sys/fs/cgroup" + cgroup + "/cpu.max", text) }
        let budget = CPUBudget.read(root: root.path, allowedCPUs: 16)
        #expect(budget.limit?.source == "cgroup v2 " + source)
        #expect(budget.eventLoops == loops)
    }

    @Test("cgroup v1 (hybrid host): cpu.cfs_quota_us of the cpu hierarchy")
    func legacy() throws {
        let root = try FakeRoot()
        try root.write("/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n0::/docker/abc\n")
        try root.write("/proc/self/mountinfo", """
            30 25 0:26 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw
            31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 - cgroup cgroup rw,cpu,cpuacct

            """)
        try root.write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "150000\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n")
        let budget = CPUBudget.read(root: root.path, allowedCPUs: 8)
        #expect(budget.limit?.source == "cgroup v1 /sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us")
        #expect(budget.eventLoops == 2)
    }

    @Test("no limit anywhere, or nothing readable: one loop per CPU", arguments: [
        // Unlimited.
        [("/proc/self/cgroup", "0::/a\n"), ("/proc/self/mountinfo", unifiedMountinfo), ("/sys/fs/cgroup/a/cpu.max", "max 100000\n")],
        // No cpu.max files at all (the cpu controller not enabled).
        [("/proc/self/cgroup", "0::/a\n"), ("/proc/self/mountinfo", unifiedMountinfo)],
        // No cgroup file system mounted.
        [("/proc/self/cgroup", "0::/a\n"), ("/proc/self/mountinfo", "22 1 0:21 / /proc rw - proc proc rw\n")],
        // No /proc.
        [],
        // A malformed limit is not a limit.
        [("/proc/self/cgroup", "0::/a\n"), ("/proc/self/mountinfo", unifiedMountinfo), ("/sys/fs/cgroup/a/cpu.max", "half\n")],
    ])
    func unlimited(files: [(String, String)]) throws {
        let root = try FakeRoot()
        for (path, text) in files { try root.write(path, text) }
        let budget = CPUBudget.read(root: root.path, allowedCPUs: 6)
        #expect(budget.limit == nil)
        #expect(budget.eventLoops == 6)
    }

    @Test("this machine's budget reads, and the default loop count follows it")
    func thisMachine() {
        let budget = CPUBudget.current()
        #expect(budget.allowedCPUs >= 1)
        #expect((1...budget.allowedCPUs).contains(budget.eventLoops))
        #expect(TransportConfiguration().eventLoops == budget.eventLoops)
    }
}
