import Foundation

/// AdmissionReview request bodies derived from the shared payloads by plain byte substitutions,
/// so each case differs from a real apiserver request in exactly one named way.
struct ReviewCase: Sendable, CustomStringConvertible {
    var name: String
    var payload: String
    var apiVersion: String
    var trustedImage: Bool
    var expectAllowed: Bool

    var description: String { name }

    static let untrustedImage = "registry.example.com/library/nginx-unprivileged:1.27.2-alpine"

    /// The request bytes: `apiVersion` rewritten, and for an allowed case the only denied image swapped
    /// for one from a trusted registry (the pod's other findings are warnings).
    func body() throws -> [UInt8] {
        var text = String(decoding: try Paths.payloadBytes(payload), as: UTF8.self)
        text = text.replacingOccurrences(
            of: "\"apiVersion\":\"admission.k8s.io/v1\"", with: "\"apiVersion\":\"\(apiVersion)\"")
        if trustedImage {
            text = text.replacingOccurrences(of: Self.untrustedImage, with: "docker.io/library/nginx:1.27.2")
        }
        return Array(text.utf8)
    }

    /// The request's uid, read from the body the test sends.
    func uid() throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(try body())) as? [String: Any]
        return ((object?["request"] as? [String: Any])?["uid"] as? String) ?? ""
    }

    static let all: [ReviewCase] = [
        ReviewCase(name: "v1 pod from a trusted registry is allowed", payload: "pod-small.json",
                   apiVersion: "admission.k8s.io/v1", trustedImage: true, expectAllowed: true),
        ReviewCase(name: "v1beta1 pod from a trusted registry is allowed", payload: "pod-small.json",
                   apiVersion: "admission.k8s.io/v1beta1", trustedImage: true, expectAllowed: true),
        ReviewCase(name: "v1 pod from an untrusted registry is denied", payload: "pod-small.json",
                   apiVersion: "admission.k8s.io/v1", trustedImage: false, expectAllowed: false),
        ReviewCase(name: "v1beta1 pod from an untrusted registry is denied", payload: "pod-small.json",
                   apiVersion: "admission.k8s.io/v1beta1", trustedImage: false, expectAllowed: false),
        ReviewCase(name: "v1 deployment with violations is denied", payload: "deployment-typical.json",
                   apiVersion: "admission.k8s.io/v1", trustedImage: false, expectAllowed: false),
        ReviewCase(name: "v1 large pod (60 KB) is denied", payload: "pod-large.json",
                   apiVersion: "admission.k8s.io/v1", trustedImage: false, expectAllowed: false),
    ]
}
