import Testing
import TidegateJSON
@testable import TidegatePolicy

@Suite struct SecurityContextEffectiveTests {
    private func effective(_ spec: String, container index: Int = 0) throws -> EffectiveSecurityContext {
        let pod = try #require(PodUnderReview(object: try SCFixtures.pod(spec)))
        return pod.effectiveSecurityContext(of: pod.containers[index])
    }

    @Test func containerOverridesPodAndEachValueNamesItsSource() throws {
        let e = try effective(#"""
        {"securityContext":{"runAsUser":1000,"runAsGroup":3000,"runAsNonRoot":true,
          "seccompProfile":{"type":"RuntimeDefault"},"readOnlyRootFilesystem":true},
         "containers":[{"name":"web","securityContext":{"runAsUser":2000,"privileged":false,
          "capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]},"procMount":"Default"}}]}
        """#)
        #expect(e.runAsUser.value == 2000)
        #expect(e.runAsUser.source == .container)
        #expect(e.runAsUser.path?.description == "/spec/containers/0/securityContext/runAsUser")
        #expect(e.runAsGroup.value == 3000)
        #expect(e.runAsGroup.source == .pod)
        #expect(e.runAsGroup.path?.description == "/spec/securityContext/runAsGroup")
        #expect(e.runAsNonRoot.value == true)
        #expect(e.runAsNonRoot.source == .pod)
        #expect(e.seccompProfileType.value == "RuntimeDefault")
        #expect(e.seccompProfileType.path?.description == "/spec/securityContext/seccompProfile/type")
        #expect(e.privileged.value == false)
        #expect(e.privileged.source == .container)
        #expect(e.privileged.path?.description == "/spec/containers/0/securityContext/privileged")
        #expect(e.capabilitiesAdd.path?.description == "/spec/containers/0/securityContext/capabilities/add")
        #expect(e.capabilitiesAdd.value == ["NET_BIND_SERVICE"])
        #expect(e.capabilitiesDrop.value == ["ALL"])
        #expect(e.procMount.value == "Default")
        #expect(e.whoami == "uid 2000, from the container")
    }

    @Test func podLevelContainerOnlyFieldsNeverApply() throws {
        let e = try effective(#"""
        {"securityContext":{"readOnlyRootFilesystem":true,"privileged":true,"allowPrivilegeEscalation":false,
          "capabilities":{"drop":["ALL"]},"procMount":"Unmasked"},"containers":[{"name":"web"}]}
        """#)
        #expect(e.readOnlyRootFilesystem == .unset)
        #expect(e.privileged == .unset)
        #expect(e.allowPrivilegeEscalation == .unset)
        #expect(e.capabilitiesDrop == .unset)
        #expect(e.procMount == .unset)
        #expect(e.escalationImpliedBy == nil)
        #expect(e.ignoredPodFields.map(\.field)
                == ["capabilities", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "procMount"])
        #expect(e.ignoredPodFields.first?.path.description == "/spec/securityContext/capabilities")
    }

    @Test func nullAndWronglyTypedValuesCountAsUnset() throws {
        let e = try effective(#"""
        {"securityContext":{"runAsUser":"1000","runAsNonRoot":null},"containers":[{"name":"web","securityContext":null}]}
        """#)
        #expect(e.runAsUser == .unset)
        #expect(e.runAsNonRoot == .unset)
        #expect(e.mayRunAsRoot)
        #expect(e.whoami.hasPrefix("the image's USER (not set in the manifest"))
    }

    @Test(arguments: [
        (#"{"privileged":true}"#, ImpliedEscalation.privileged),
        (#"{"capabilities":{"add":["SYS_ADMIN"]}}"#, .sysAdmin),
        (#"{"capabilities":{"add":["CAP_SYS_ADMIN"]}}"#, .sysAdmin),
        (#"{"capabilities":{"add":["cap_sys_admin"]}}"#, .sysAdmin),
        (#"{"capabilities":{"add":["ALL"]}}"#, .allCapabilities),
        (#"{"allowPrivilegeEscalation":false,"privileged":true}"#, .privileged),
    ])
    func privilegeEscalationIsImplied(_ sc: String, _ cause: ImpliedEscalation) throws {
        let e = try effective(#"{"containers":[{"name":"web","securityContext":\#(sc)}]}"#)
        #expect(e.escalationImpliedBy == cause)
        #expect(e.allowsPrivilegeEscalation)
        #expect(e.rows.first { $0.field == "allowPrivilegeEscalation" }?.note == "implicitly true: \(cause.explanation)")
    }

    @Test(arguments: [
        ("{}", true),
        (#"{"allowPrivilegeEscalation":true}"#, true),
        (#"{"allowPrivilegeEscalation":false}"#, false),
        (#"{"allowPrivilegeEscalation":false,"capabilities":{"add":["NET_ADMIN"]}}"#, false),
    ])
    func explicitFalseIsTheOnlyWayToStopEscalation(_ sc: String, _ allowed: Bool) throws {
        let e = try effective(#"{"containers":[{"name":"web","securityContext":\#(sc)}]}"#)
        #expect(e.allowsPrivilegeEscalation == allowed)
    }

    @Test(arguments: [
        (#"{"runAsUser":0}"#, "{}", "root (uid 0, from the pod)"),
        (#"{"runAsNonRoot":true}"#, #"{"runAsUser":0}"#,
         "does not start: runAsUser: 0, from the container contradicts runAsNonRoot: true, from the pod"),
        (#"{"runAsNonRoot":true}"#, "{}",
         "the image's USER, which must be a non-zero numeric uid or the kubelet refuses to start it (runAsNonRoot: true, from the pod)"),
        (#"{"runAsUser":1000}"#, #"{"runAsUser":1001}"#, "uid 1001, from the container"),
    ])
    func whoamiAnswersFromTheManifest(_ pod: String, _ container: String, _ answer: String) throws {
        let e = try effective(#"{"securityContext":\#(pod),"containers":[{"name":"web","securityContext":\#(container)}]}"#)
        #expect(e.whoami == answer)
    }

    @Test func windowsPodsMarkLinuxOnlyFields() throws {
        let e = try effective(#"""
        {"os":{"name":"windows"},"securityContext":{"runAsNonRoot":true},
         "containers":[{"name":"web","securityContext":{"readOnlyRootFilesystem":true}}]}
        """#)
        #expect(e.isWindows)
        #expect(!e.mayRunAsRoot)
        let notes = Dictionary(uniqueKeysWithValues: e.rows.map { ($0.field, $0.note) })
        #expect(notes["readOnlyRootFilesystem"] == "does not apply: Windows pod")
        #expect(notes["capabilities.add"] == "does not apply: Windows pod")
        #expect(notes["runAsNonRoot"] == .some(nil))
    }

    @Test func everyContainerKindInScope() throws {
        let pod = try #require(PodUnderReview(object: try SCFixtures.pod(
            #"{"containers":[{"name":"a"}],"initContainers":[{"name":"i"}],"ephemeralContainers":[{"name":"e"}]}"#)))
        #expect(pod.effectiveSecurityContexts().map(\.container.name) == ["a", "i", "e"])
        #expect(pod.effectiveSecurityContexts(.ephemeralOnly).map(\.container.name) == ["e"])
    }

    @Test func rowsListEveryFieldOnceInAFixedOrder() throws {
        let e = try effective(#"{"containers":[{"name":"web"}]}"#)
        #expect(e.rows.map(\.field) == [
            "runAsUser", "runAsGroup", "runAsNonRoot", "privileged", "allowPrivilegeEscalation",
            "readOnlyRootFilesystem", "capabilities.add", "capabilities.drop", "seccompProfile.type", "procMount",
        ])
        #expect(e.rows.allSatisfy { $0.source == .unset && $0.value == nil && $0.note != nil })
    }
}
