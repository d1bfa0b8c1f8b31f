extension PolicyLoader {
    /// The embedded default policy, printed by `tidegate` and shown in the README. Parsing it
    /// yields `Policy.default`; keys it leaves out keep their built-in defaults.
    public static let defaultPolicyText = """
        apiVersion: tidegate.dev/v1alpha1
        kind: Policy
        mode: enforce                    # enforce | warn | audit
        images:
          trustedRegistries: [docker.io/library, gcr.io, registry.k8s.io]
          untrustedRegistry: deny        # image outside trustedRegistries (invalid references are always denied)
          implicitRegistry: warn         # image that names no registry (resolves to docker.io)
          mutableTag: warn               # no tag or :latest, and not pinned by digest
          requireDigest: off
        securityContext:
          runAsNonRoot: deny             # may run as root: neither runAsNonRoot true nor a non-zero runAsUser
          capabilities: deny             # capabilities.add outside allowedCapabilities
          allowedCapabilities: [NET_BIND_SERVICE]
          requireDropAll: warn           # capabilities.drop lacks ALL
          privileged: deny
          allowPrivilegeEscalation: warn # not explicitly false (unset means allowed on Linux)
          readOnlyRootFilesystem: warn   # not explicitly true
          misplacedFields: warn          # container-only fields in the pod-level securityContext
        exemptions: {namespaces: [kube-system], usernames: [], groups: []}

        """
}
