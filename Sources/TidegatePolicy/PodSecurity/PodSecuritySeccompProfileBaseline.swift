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

    static func allowedType(_ type: String?) -> Bool { type == "RuntimeDefault" || type == "Localhost" }

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        guard let annotations = context.pod.metadata?["annotations"]?.objectValue else { return [] }
        var out: [Violation] = []
        if context.reviewsPodFields, let value = annotations[podAnnotation]?.stringValue, !allowedAnnotation(value) {
            out.append(annotationViolation(podAnnotation, value, container: nil, context))
        }
        out += context.pod.visitContainers(context.scope) { container in
            // Matched without building the key: this runs for every container of every review.
            for (key, value) in annotations where key.hasPrefix(containerAnnotationPrefix)
                && key.utf8.dropFirst(containerAnnotationPrefix.utf8.count).elementsEqual(container.ref.name.utf8) {
                guard let value = value.stringValue, !allowedAnnotation(value) else { return [] }
                return [annotationViolation(key, value, container: container.ref, context)]
            }
            return []
        }
        return out
    }

    static func annotationViolation(_ key: String, _ value: String, container: ContainerRef?, _ context: CheckContext) -> Violation {
        let path = context.pod.metadataPath / "annotations" / key
        return Violation(
            path: path, container: container,
            message: PodSecurityText.message("seccompProfile", "forbidden annotation \(key)=\(PodSecurityText.quoted(value))"),
            fix: Fix("set annotation \(key): runtime/default", FixBuilder.set("runtime/default", at: path, in: context.pod.object)))
    }

    @Sendable static func v1_19(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        var out: [Violation] = []
        if context.reviewsPodFields, let v = explicitlyForbidden(pod.podSecurityContext, at: pod.podSecurityContextPath, container: nil, context) {
            out.append(v)
        }
        out += pod.visitContainers(context.scope) { container in
            explicitlyForbidden(container.securityContext, at: container.securityContextPath, container: container.ref, context)
                .map { [$0] } ?? []
        }
        return out
    }

    /// A seccompProfile that is set to a type other than RuntimeDefault or Localhost.
    static func explicitlyForbidden(
        _ securityContext: JSONObject?, at securityContextPath: JSONPointer, container: ContainerRef?, _ context: CheckContext
    ) -> Violation? {
        guard let profile = securityContext?["seccompProfile"]?.present else { return nil }
        let type = profile["type"]?.stringValue
        guard !allowedType(type) else { return nil }
        let profilePath = securityContextPath / "seccompProfile"
        return Violation(
            path: profilePath / "type", container: container,
            message: PodSecurityText.message(
                "seccompProfile",
                "\(PodSecurityText.subject(container))must not set securityContext.seccompProfile.type to \(PodSecurityText.quoted(type ?? ""))"),
            fix: Fix("set seccompProfile.type: RuntimeDefault",
                     FixBuilder.set(PodSecurityFix.runtimeDefault, at: profilePath, in: context.pod.object)))
    }
}
