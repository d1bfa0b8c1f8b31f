import TidegateAdmission
import TidegateJSON
import TidegatePolicy

/// The whole request path on hostile bytes: decode, evaluate (every check, image parsing
/// included), fix, encode. Traps when a response is not JSON, does not echo the request's uid,
/// or a mutating patch does not apply to the object it was computed for.
enum AdmissionFuzzTarget {
    static let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        guard let data else { return 0 }
        run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    static let engine = AdmissionEngine(policy: .default)

    static func run(_ bytes: [UInt8]) {
        for endpoint in [AdmissionEndpoint.validate, .mutate] {
            guard let outcome = try? engine.handle(bytes, endpoint: endpoint) else { continue }
            guard let response = try? JSONReader().parse(outcome.body) else { fatalError("response is not JSON") }
            guard response["response"]?["uid"]?.stringValue == outcome.decision.uid else { fatalError("uid not echoed") }
            if endpoint == .mutate, let patch = outcome.response.patch,
               let request = try? AdmissionReviewRequest(bytes: bytes) {
                guard (try? patch.applied(to: request.object)) != nil else { fatalError("patch does not apply") }
            }
        }
    }
}
