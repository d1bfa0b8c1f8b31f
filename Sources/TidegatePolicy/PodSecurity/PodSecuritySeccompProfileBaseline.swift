import TidegateJSON

/// seccompProfile_baseline (baseline; replaced by seccompProfile_restricted at restricted)
///
/// v1.0–v1.18 reads the annotations `seccomp.security.alpha.kubernetes.io/pod` and
/// `container.seccomp.security.alpha.kubernetes.io/<container>`; allowed: unset,
/// `runtime/default`, `docker/default`, `localhost/<profile>`.
/// v1.19+ reads `spec.securityContext.seccompProfile.type` and the same field of every
/// container, initContainer and ephemeralContainer; allowed: unset, `RuntimeDefault`,
/// `Localhost` (so `Unconfined` is the one refused).
/// Fix: the runtime's default profile.
enum PodSecuritySeccompProfileBaseline {
    static let check = PodSecurityCheck(
        id: "seccompProfile_baseline", level: .baseline, versions: [(.v1_0, v1_0), (KubeVersion(minor: 19), v1_19)])

    static let podAnnotation = "seccomp.security.alpha.kubernetes.io/pod"
    static let containerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"

    static func allowedAnnotation(_ value: String) -> Bool {
        value == "runtime/default" || value == "docker/default" || value.hasPrefix("localhost/")
    }

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard let annotations = pod.metadata?["annotations"]?.objectValue else { return [] }
        var out: [Violation] = []
        if context.reviewsPodFields, let value = annotations[podAnnotation]?.stringValue, !allowedAnnotation(value) {
            out.append(annotationViolation(podAnnotation, value, container: nil, context))
        }
        out += pod.eachContainer(context.scope) { i, out in
            // Matched without building the key: this runs for every container of every review.
            let name = pod.containers[i].ref.name
            for (key, value) in annotations where key.hasPrefix(containerAnnotationPrefix)
                && key.utf8.dropFirst(containerAnnotationPrefix.utf8.count).elementsEqual(name.utf8) {
                guard let value = value.stringValue, !allowedAnnotation(value) else { return }
                out.append(annotationViolation(key, value, container: pod.containers[i].ref, context))
                return
            }
        }
        return out
    }

    static func annotationViolation(_ key: String, _ value: String, container: ContainerRef?, _ context: CheckContext) -> Violation {
        let path = context.pod.metadataPath / "annotations" / key
        // An ephemeral-container update cannot change annotations, so it gets no patch for them.
        return Violation(
            path: path, container: container,
            message: PodSecurityText.message("seccompProfile", "forbidden annotation \(key)=\(PodSecurityText.quoted(value))"),
            fix: context.reviewsPodFields
                ? Fix("set annotation \(key): runtime/default", FixBuilder.set("runtime/default", at: path, in: context.pod.object))
                : nil)
    }

    @Sendable static func v1_19(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachSecurityContext(context) { owner, out in
            if let v = explicitlyForbidden(owner, pod) { out.append(v) }
        }
    }

    /// A seccompProfile that is set to a type other than RuntimeDefault or Localhost.
    static func explicitlyForbidden(_ owner: SecurityContextOwner, _ pod: PodUnderReview) -> Violation? {
        guard let profile = pod.securityContext(of: owner)?["seccompProfile"]?.present else { return nil }
        let type = profile["type"]?.stringValue
        guard !PodSecurityText.confinedProfileType(type) else { return nil }
        let container = pod.ref(of: owner)
        let profilePath = pod.securityContextPath(of: owner) / "seccompProfile"
        return Violation(
            path: profilePath / "type", container: container,
            message: PodSecurityText.message(
                "seccompProfile",
                "\(PodSecurityText.subject(container))must not set securityContext.seccompProfile.type to \(PodSecurityText.quoted(type ?? ""))"),
            fix: Fix("set seccompProfile.type: RuntimeDefault",
                     FixBuilder.set(PodSecurityFix.runtimeDefault, at: profilePath, in: pod.object)))
    }
}
