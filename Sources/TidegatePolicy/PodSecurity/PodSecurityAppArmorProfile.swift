import TidegateJSON

/// appArmorProfile (baseline, v1.0)
///
/// Reads: `spec.securityContext.appArmorProfile.type` and the same field of every container,
/// initContainer and ephemeralContainer; the annotations
/// `container.apparmor.security.beta.kubernetes.io/<container>`.
/// Allowed: the field unset, `RuntimeDefault` or `Localhost`; the annotation empty,
/// `runtime/default` or `localhost/<profile>`. (pod-security-admission checks the field at every
/// version: it only ever existed with these values.)
/// Fix: the runtime's default profile (`type: RuntimeDefault`, `runtime/default`).
enum PodSecurityAppArmorProfile {
    static let check = PodSecurityCheck(id: "appArmorProfile", level: .baseline, versions: [(.v1_0, v1_0)])

    static let annotationPrefix = "container.apparmor.security.beta.kubernetes.io/"
    static let reason = "forbidden AppArmor profile"

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        var out = pod.eachSecurityContext(context) { owner, out in
            guard let profile = pod.securityContext(of: owner)?["appArmorProfile"]?.present else { return }
            let type = profile["type"]?.stringValue
            guard !PodSecurityText.confinedProfileType(type) else { return }
            let container = pod.ref(of: owner)
            let profilePath = pod.securityContextPath(of: owner) / "appArmorProfile"
            out.append(Violation(
                path: profilePath / "type", container: container,
                message: PodSecurityText.message(
                    reason,
                    "\(PodSecurityText.subject(container))must not set AppArmor profile type to \(PodSecurityText.quoted(type ?? ""))"),
                fix: context.fix(Fix("set appArmorProfile.type: RuntimeDefault",
                         FixBuilder.set(PodSecurityFix.runtimeDefault, at: profilePath, in: pod.object)))))
        }
        if context.reviewsPodFields { annotations(context, into: &out) }
        return out
    }

    static func allowedAnnotation(_ value: String) -> Bool {
        value.isEmpty || value == "runtime/default" || value.hasPrefix("localhost/")
    }

    static func annotations(_ context: CheckContext, into out: inout [Violation]) {
        guard let annotations = context.pod.metadata?["annotations"]?.objectValue else { return }
        for (key, value) in annotations where key.hasPrefix(annotationPrefix) {
            guard let value = value.stringValue, !allowedAnnotation(value) else { continue }
            let path = context.pod.metadataPath / "annotations" / key
            out.append(Violation(
                path: path, container: nil,
                message: PodSecurityText.message(
                    reason, "annotation \(key)=\(PodSecurityText.quoted(value)) must be runtime/default or localhost/<profile>"),
                fix: context.fix(Fix("set annotation \(key): runtime/default",
                         FixBuilder.set("runtime/default", at: path, in: context.pod.object)))))
        }
    }
}
