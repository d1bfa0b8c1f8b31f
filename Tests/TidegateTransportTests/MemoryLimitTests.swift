import Foundation
import Testing
@testable import TidegateTransport

/// The memory limit the server sizes its buffers from: the tightest `memory.max` (v2) or
/// `memory.limit_in_bytes` (v1) on the process's cgroup and its ancestors.
@Suite("Memory limit")
struct MemoryLimitTests {
    @Test("memory.max and memory.limit_in_bytes: bytes, or no limit", arguments: [
        ("134217728\n", 134_217_728 as Int64?),
        ("max\n", nil),
        ("9223372036854771712\n", nil),  // v1's "no limit"
        ("0\n", nil),
        ("", nil),
        ("-1\n", nil),
    ])
    func parse(text: String, expected: Int64?) {
        #expect(CgroupFiles.memoryLimit(text) == expected)
    }

    @Test("the startup log names it in Kubernetes' notation when it is whole mebibytes", arguments: [
        (134_217_728 as Int64, "128Mi by f"), (1 << 30, "1024Mi by f"), (100_000_000, "100000000 bytes by f"),
    ])
    func text(bytes: Int64, expected: String) {
        #expect(MemoryLimit(bytes: bytes, source: "f").description == expected)
    }

    private static let unifiedMountinfo = "30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"

    @Test("the tightest limit on the cgroup and its ancestors, v2 and v1", arguments: [
        // v2: the container's limit, the pod's larger.
        ([("/proc/self/cgroup", "0::/pods/p/c\n"), ("/proc/self/mountinfo", unifiedMountinfo),
          ("/sys/fs/cgroup/pods/p/c/memory.max", "134217728\n"), ("/sys/fs/cgroup/pods/p/memory.max", "268435456\n")],
         "cgroup v2 /sys/fs/cgroup/pods/p/c/memory.max", 134_217_728 as Int64?),
        // v2: only the pod has one.
        ([("/proc/self/cgroup", "0::/pods/p/c\n"), ("/proc/self/mountinfo", unifiedMountinfo),
          ("/sys/fs/cgroup/pods/p/c/memory.max", "max\n"), ("/sys/fs/cgroup/pods/p/memory.max", "67108864\n")],
         "cgroup v2 /sys/fs/cgroup/pods/p/memory.max", 67_108_864),
        // v1 memory hierarchy on a hybrid host.
        ([("/proc/self/cgroup", "4:memory:/docker/abc\n0::/docker/abc\n"),
          ("/proc/self/mountinfo", "31 25 0:27 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory\n"),
          ("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "134217728\n"),
          ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")],
         "cgroup v1 /sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", 134_217_728),
        // None.
        ([("/proc/self/cgroup", "0::/a\n"), ("/proc/self/mountinfo", unifiedMountinfo), ("/sys/fs/cgroup/a/memory.max", "max\n")],
         "", nil),
    ] as [([(String, String)], String, Int64?)])
    func read(files: [(String, String)], source: String, bytes: Int64?) throws {
        let root = try CPUBudgetTests.FakeRoot()
        for (path, text) in files { try root.write(path, text) }
        let limit = MemoryLimit.read(root: root.path)
        #expect(limit?.bytes == bytes)
        if bytes != nil { #expect(limit?.source == source) }
    }
}
