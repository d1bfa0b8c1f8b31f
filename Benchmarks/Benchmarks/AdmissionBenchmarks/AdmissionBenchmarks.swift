import Benchmark
import Foundation
import TidegateAdmission
import TidegateJSON
import TidegatePolicy

/// The request path a webhook pays per review: decode → evaluate → encode, on the realistic
/// AdmissionReview payloads in ../shared/payloads (as kube-apiserver sends them).
let payloadDirectory: URL = {
    if let dir = ProcessInfo.processInfo.environment["TIDEGATE_PAYLOADS"] { return URL(fileURLWithPath: dir) }
    // Benchmarks/Benchmarks/AdmissionBenchmarks/<this file> → repository → ../shared/payloads
    return URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/payloads")
}()

func payload(_ name: String) -> [UInt8] {
    let url = payloadDirectory.appendingPathComponent(name)
    guard let data = try? Data(contentsOf: url) else { fatalError("cannot read \(url.path): set TIDEGATE_PAYLOADS") }
    return Array(data)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        maxDuration: .seconds(3))

    let engine = AdmissionEngine(policy: .default)
    for name in ["pod-small.json", "deployment-typical.json", "pod-large.json"] {
        let body = payload(name)

        Benchmark("review \(name) (decode+evaluate+encode)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try engine.handle(body, endpoint: .validate).body)
            }
        }

        Benchmark("decode \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try AdmissionReviewRequest(bytes: body))
            }
        }

        let request = try! AdmissionReviewRequest(bytes: body)
        Benchmark("evaluate \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(PolicyEngine.evaluate(request.object, policy: .default))
            }
        }

        // The Pod Security Standards at restricted, on top of the default rules: what a
        // `podSecurity` level adds to a review.
        var restricted = Policy.default
        restricted.podSecurity = PodSecuritySettings(level: .restricted)
        let restrictedPolicy = restricted
        Benchmark("evaluate+restricted \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(PolicyEngine.evaluate(request.object, policy: restrictedPolicy))
            }
        }

        Benchmark("mutate \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try engine.handle(body, endpoint: .mutate).body)
            }
        }

        Benchmark("full JSON parse \(name) (no field filter)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try JSONReader().parse(body))
            }
        }
    }

    // The mutating endpoint's worst common case: every container needs the same fixes. Eight
    // copies of pod-small's container with no securityContext, and none at pod level: the
    // default autoApply sets allowPrivilegeEscalation: false in each.
    let bare = bareContainers(payload("pod-small.json"), count: 8)
    Benchmark("mutate 8 containers without securityContext (8 fixes)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try engine.handle(bare, endpoint: .mutate).body)
        }
    }
}

/// `review` with its pod's first container repeated `count` times, every securityContext removed.
func bareContainers(_ review: [UInt8], count: Int) -> [UInt8] {
    var document = try! JSONReader().parse(review).objectValue!
    var request = document["request"]!.objectValue!
    var pod = request["object"]!.objectValue!
    var spec = pod["spec"]!.objectValue!
    var container = spec["containers"]![0]!.objectValue!
    container["securityContext"] = nil
    spec["containers"] = .array((0..<count).map { i in
        var copy = container
        copy["name"] = .string("c\(i)")
        return .object(copy)
    })
    spec["securityContext"] = nil
    pod["spec"] = .object(spec)
    request["object"] = .object(pod)
    document["request"] = .object(request)
    return JSONWriter().bytes(.object(document))
}
