import TidegatePolicy

/// The policy file's keys, mapped onto the model. The decoder and the writer both walk these
/// tables, so a key added here is read and written alike.
enum PolicySchema {
    static let apiVersion = "tidegate.dev/v1alpha1"
    static let kind = "Policy"
    static let topLevelKeys = ["apiVersion", "kind", "mode", "images", "securityContext", "exemptions", "mutation", "podSecurity"]
    static let podSecurityKeys = ["level", "version"]

    struct ActionField<Section> {
        let key: String
        let keyPath: WritableKeyPath<Section, RuleAction>
    }

    struct ListField<Section> {
        let key: String
        let keyPath: WritableKeyPath<Section, [String]>
    }

    static var imageActions: [ActionField<ImageRules>] {
        [
            .init(key: "untrustedRegistry", keyPath: \.untrustedRegistry),
            .init(key: "implicitRegistry", keyPath: \.implicitRegistry),
            .init(key: "mutableTag", keyPath: \.mutableTag),
            .init(key: "requireDigest", keyPath: \.requireDigest),
            .init(key: "tagWithDigest", keyPath: \.tagWithDigest),
        ]
    }

    static var imageLists: [ListField<ImageRules>] {
        [.init(key: "exemptImages", keyPath: \.exemptImages)]
    }

    static var imageKeys: [String] { ["trustedRegistries"] + imageActions.map(\.key) + imageLists.map(\.key) }

    static var securityContextActions: [ActionField<SecurityContextRules>] {
        SecurityContextRules.actions.map { .init(key: $0.key, keyPath: $0.keyPath) }
    }

    static var securityContextLists: [ListField<SecurityContextRules>] {
        [
            .init(key: "allowedCapabilities", keyPath: \.allowedCapabilities),
            .init(key: "skipOnUpdate", keyPath: \.skipOnUpdate),
            .init(key: "forbiddenSysctls", keyPath: \.forbiddenSysctls),
            .init(key: "allowedSysctls", keyPath: \.allowedSysctls),
            .init(key: "allowedHostPorts", keyPath: \.allowedHostPorts),
            .init(key: "allowedVolumeTypes", keyPath: \.allowedVolumeTypes),
            .init(key: "allowedHostPaths", keyPath: \.allowedHostPaths),
            .init(key: "readOnlyHostPaths", keyPath: \.readOnlyHostPaths),
            .init(key: "allowedSeccompProfiles", keyPath: \.allowedSeccompProfiles),
            .init(key: "allowedAppArmorProfiles", keyPath: \.allowedAppArmorProfiles),
            .init(key: "allowedSELinuxOptions", keyPath: \.allowedSELinuxOptions),
        ]
    }

    static var securityContextKeys: [String] {
        securityContextActions.map(\.key) + securityContextLists.map(\.key)
    }

    static var exemptionLists: [ListField<Exemptions>] {
        [
            .init(key: "namespaces", keyPath: \.namespaces),
            .init(key: "usernames", keyPath: \.usernames),
            .init(key: "groups", keyPath: \.groups),
        ]
    }

    static var mutationLists: [ListField<Mutation>] {
        [.init(key: "autoApply", keyPath: \.autoApply)]
    }

    /// Rule ids `mutation.autoApply` may name: every rule with a policy key.
    static var ruleIDs: [String] {
        imageActions.map { "images.\($0.key)" } + securityContextActions.map { "securityContext.\($0.key)" }
    }
}
