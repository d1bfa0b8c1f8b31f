import Foundation
import Testing
import TidegateAdmission
import TidegatePolicy

/// /validate and /mutate through TLS with curl, over HTTP/1.1 and HTTP/2 (ALPN).
@Suite("Admission reviews with curl")
struct AdmissionReviewTests {
    @Test("validate answers with the same bytes as `tidegate review`, echoing apiVersion and uid",
          arguments: ReviewCase.all, HTTPVersion.allCases)
    func validateMatchesEngine(review: ReviewCase, version: HTTPVersion) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let bodyFile = server.directory + "/review.json"
        let body = try review.body()
        try writeFile(bodyFile, body)

        let result = try postJSON(version, port: server.httpsPort, path: "/validate", bodyFile: bodyFile, caFile: server.caFile)

        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.status == 200)
        #expect(result.httpVersion == version.negotiated)
        let json = try result.json()
        let response = try #require(json["response"] as? [String: Any])
        #expect(json["apiVersion"] as? String == review.apiVersion)
        #expect(json["kind"] as? String == "AdmissionReview")
        #expect(response["uid"] as? String == (try review.uid()))
        #expect(response["allowed"] as? Bool == review.expectAllowed)
        let status = response["status"] as? [String: Any]
        if review.expectAllowed {
            #expect(status == nil)
        } else {
            #expect(status?["code"] as? Int == 403)
        }
        #expect(response["patch"] == nil, "validate never patches")

        let expected = try AdmissionEngine(policy: .default).handle(body, endpoint: .validate).body
        #expect(result.body == expected, "curl and the review engine disagree")
    }

    /// Payload and whether its containers' securityContexts are removed first (the large pod and the
    /// deployment are already hardened, so as sent they have nothing to patch).
    static let mutateCases: [(payload: String, stripContainerSecurity: Bool)] = [
        ("pod-small.json", false), ("pod-large.json", true), ("deployment-typical.json", true),
    ]

    @Test("mutate returns a JSONPatch that python jsonpatch applies, leaving nothing to fix",
          arguments: mutateCases, HTTPVersion.allCases)
    func mutatePatchApplies(mutateCase: (payload: String, stripContainerSecurity: Bool), version: HTTPVersion) throws {
        let server = try InProcessServer()
        defer { server.stop() }
        let reviewFile = server.directory + "/review.json"
        let responseFile = server.directory + "/response.json"
        let patchedFile = server.directory + "/patched.json"
        if mutateCase.stripContainerSecurity {
            let stripped = try runCommand(["python3", "-c", Self.stripContainerSecurity, Paths.payload(mutateCase.payload), reviewFile])
            #expect(stripped.status == 0, "\(stripped.stderr)")
        } else {
            try writeFile(reviewFile, try Paths.payloadBytes(mutateCase.payload))
        }
        let body = try readBytes(reviewFile)

        let first = try postJSON(version, port: server.httpsPort, path: "/mutate", bodyFile: reviewFile, caFile: server.caFile)
        #expect(first.exitCode == 0 && first.status == 200, "\(first.stderr)")
        let response = try #require(try first.json()["response"] as? [String: Any])
        #expect(response["allowed"] as? Bool == true, "mutate leaves enforcement to validate")
        #expect(response["patchType"] as? String == "JSONPatch")
        let patch = try #require(response["patch"] as? String)
        let patchBytes = try #require(Data(base64Encoded: patch))
        let operations = try #require(try JSONSerialization.jsonObject(with: patchBytes) as? [[String: Any]])
        #expect(!operations.isEmpty)
        #expect(first.body == (try AdmissionEngine(policy: .default).handle(body, endpoint: .mutate).body))

        try writeFile(responseFile, first.body)
        let applied = try runCommand(["python3", "-c", Self.applyPatch, reviewFile, responseFile, patchedFile])
        #expect(applied.status == 0, "jsonpatch refused the patch: \(applied.stderr)")

        let second = try postJSON(version, port: server.httpsPort, path: "/mutate", bodyFile: patchedFile, caFile: server.caFile)
        #expect(second.status == 200, "\(second.stderr)")
        let again = try #require(try second.json()["response"] as? [String: Any])
        #expect(again["patch"] == nil, "the patched object still has auto-applicable findings: \(second.text)")
        #expect(again["patchType"] == nil)
    }

    static let stripContainerSecurity = """
        import json, sys
        review = json.load(open(sys.argv[1]))
        obj = review["request"]["object"]
        spec = obj["spec"]["template"]["spec"] if "template" in obj["spec"] else obj["spec"]
        for key in ("containers", "initContainers"):
            for container in spec.get(key, []):
                container.pop("securityContext", None)
        json.dump(review, open(sys.argv[2], "w"))
        """

    /// Applies the response's base64 JSON Patch to request.object with the reference `jsonpatch`
    /// library and writes the review back with the patched object.
    static let applyPatch = """
        import base64, json, sys, jsonpatch
        review = json.load(open(sys.argv[1]))
        response = json.load(open(sys.argv[2]))["response"]
        assert response["patchType"] == "JSONPatch"
        patch = json.loads(base64.b64decode(response["patch"]))
        review["request"]["object"] = jsonpatch.apply_patch(review["request"]["object"], patch)
        json.dump(review, open(sys.argv[3], "w"))
        """
}
