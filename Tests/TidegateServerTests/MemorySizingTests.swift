import Testing
import TidegateServer
import TidegateTransport

/// What the server lets peers fill follows the memory limit: the body budget and the
/// connection cap.
@Suite("Sizing from the memory limit")
struct MemorySizingTests {
    static let maxBody = 3_145_728

    @Test("body budget: a quarter of the limit, at most 32 MiB, at least one largest body", arguments: [
        (nil, 33_554_432),                 // 32 MiB
        (134_217_728, 33_554_432),         // 128 Mi
        (67_108_864, 16_777_216),          // 64 Mi: 16 MiB
        (1_073_741_824, 33_554_432),       // 1 Gi
        (8_388_608, 3_145_728),            // 8 Mi: a quarter is 2 MiB, but one 3 MiB body must still fit
    ] as [(Int64?, Int)])
    func bodyBudget(limit: Int64?, expected: Int) {
        let memory = limit.map { MemoryLimit(bytes: $0, source: "test") }
        #expect(ServerConfiguration.defaultBodyBudget(memoryLimit: memory, maxBodyBytes: Self.maxBody) == expected)
    }

    @Test("connections: what is left after 32 MiB and the body budget, 64 KiB each, between 64 and 10,000", arguments: [
        (nil, 10_000),
        (134_217_728, 1_024),      // 128 Mi: (128 - 32 - 32) MiB / 64 KiB
        (67_108_864, 256),         // 64 Mi: (64 - 32 - 16) MiB / 64 KiB
        (33_554_432, 64),          // 32 Mi: nothing left, the floor
        (4_294_967_296, 10_000),   // 4 Gi: the ceiling
    ] as [(Int64?, Int)])
    func connections(limit: Int64?, expected: Int) {
        let memory = limit.map { MemoryLimit(bytes: $0, source: "test") }
        let budget = ServerConfiguration.defaultBodyBudget(memoryLimit: memory, maxBodyBytes: Self.maxBody)
        #expect(ServerConfiguration.defaultMaxConnections(memoryLimit: memory, bodyBudget: budget) == expected)
    }

    @Test("a configuration's defaults follow the budget it was made with, read once", arguments: [
        // The shipped Deployment's limits (500m, 128Mi) on a 16-core node.
        (CgroupCPULimit(quota: 50_000, period: 100_000, source: "test"), MemoryLimit(bytes: 134_217_728, source: "test"),
         1, Duration.zero, 1_024, 33_554_432),
        (nil, nil, 16, Duration.microseconds(200), 10_000, 33_554_432),
    ] as [(CgroupCPULimit?, MemoryLimit?, Int, Duration, Int, Int)])
    func configurationDefaults(cpu: CgroupCPULimit?, memory: MemoryLimit?, loops: Int, idlePoll: Duration,
                               connections: Int, bodyBudget: Int) {
        let budget = CPUBudget(allowedCPUs: 16, limit: cpu)
        let configuration = ServerConfiguration(certificateFile: "c", keyFile: "k", cpuBudget: budget, memoryLimit: memory)
        #expect(configuration.transport.eventLoops == loops)
        #expect(configuration.transport.idlePoll == idlePoll)
        #expect(configuration.transport.maxConnections == connections)
        #expect(configuration.limits.bodyBudget?.capacity == bodyBudget)
        #expect(configuration.cpuBudget == budget && configuration.memoryLimit == memory)
    }

    struct BodyLimits: CustomTestStringConvertible, Sendable {
        var name: String
        var memory: Int64?
        var maxBody: Int?
        var budget: Int?
        var expected: (maxBody: Int, budget: Int, connections: Int)
        var testDescription: String { name }
    }

    @Test(arguments: [
        BodyLimits(name: "nothing given keeps the defaults", memory: 134_217_728, maxBody: nil, budget: nil,
                   expected: (3_145_728, 33_554_432, 1_024)),
        BodyLimits(name: "a larger body under the 32 MiB budget leaves the budget and the cap", memory: 134_217_728,
                   maxBody: 8 << 20, budget: nil, expected: (8 << 20, 33_554_432, 1_024)),
        BodyLimits(name: "a body larger than the default budget becomes the budget, and the cap shrinks",
                   memory: 134_217_728, maxBody: 40 << 20, budget: nil, expected: (40 << 20, 40 << 20, 896)),
        BodyLimits(name: "a smaller body under a small limit: the budget is a quarter again, no longer held up by 3 MiB",
                   memory: 8_388_608, maxBody: 1 << 20, budget: nil, expected: (1 << 20, 2 << 20, 64)),
        BodyLimits(name: "a budget given wins, and the cap is what is left beside it", memory: 134_217_728,
                   maxBody: nil, budget: 64 << 20, expected: (3_145_728, 64 << 20, 512)),
        BodyLimits(name: "without a memory limit the cap stays at 10,000", memory: nil, maxBody: 16 << 20,
                   budget: 128 << 20, expected: (16 << 20, 128 << 20, 10_000)),
    ])
    func bodyLimitsGiven(_ case_: BodyLimits) throws {
        var configuration = ServerConfiguration(
            certificateFile: "c", keyFile: "k", cpuBudget: CPUBudget(allowedCPUs: 2, limit: nil),
            memoryLimit: case_.memory.map { MemoryLimit(bytes: $0, source: "test") })
        try configuration.setBodyLimits(maxBodyBytes: case_.maxBody, bodyBudget: case_.budget)
        #expect(configuration.limits.maxBodyBytes == case_.expected.maxBody)
        #expect(configuration.limits.bodyBudget?.capacity == case_.expected.budget)
        #expect(configuration.transport.maxConnections == case_.expected.connections)
    }

    @Test("a budget below the largest body is refused and changes nothing", arguments: [
        (nil, 1 << 20, 3_145_728),       // below the default 3 MiB body
        (16 << 20, 8 << 20, 16 << 20),   // below the body given with it
    ] as [(Int?, Int, Int)])
    func budgetBelowLargestBody(maxBody: Int?, budget: Int, largest: Int) {
        var configuration = ServerConfiguration(
            certificateFile: "c", keyFile: "k", cpuBudget: CPUBudget(allowedCPUs: 2, limit: nil),
            memoryLimit: MemoryLimit(bytes: 134_217_728, source: "test"))
        do {
            try configuration.setBodyLimits(maxBodyBytes: maxBody, bodyBudget: budget)
            Issue.record("a budget below the largest body was accepted")
        } catch {
            #expect(error.bodyBudget == budget && error.maxBodyBytes == largest)
        }
        #expect(configuration.limits.maxBodyBytes == 3_145_728)
        #expect(configuration.limits.bodyBudget?.capacity == 33_554_432)
        #expect(configuration.transport.maxConnections == 1_024)
    }
}
