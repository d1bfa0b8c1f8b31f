import TidegateJSON
import TidegatePolicy

/// The pod-security-policy templates.
extension GatekeeperTranslator {
    /// Turns a rule on. These templates do not judge UPDATE requests, so the rule also joins
    /// `skipOnUpdate` (seccomp and AppArmor, which do, set their actions directly).
    mutating func securityContext(_ key: String, _ keyPath: WritableKeyPath<SecurityContextRules, RuleAction>, _ action: RuleAction) {
        policy.securityContext[keyPath: keyPath] = stricter(policy.securityContext[keyPath: keyPath], action)
        if !policy.securityContext.skipOnUpdate.contains(key) { policy.securityContext.skipOnUpdate.append(key) }
    }

    mutating func capabilities(_ parameters: JSONObject, _ action: RuleAction) {
        let allowed = strings(parameters["allowedCapabilities"], parameter: "allowedCapabilities")
        if allowed.contains("*") {
            note(.different, "spec.parameters.allowedCapabilities", "\"*\" allows every capability; securityContext.capabilities stays off")
        } else {
            if policy.securityContext.capabilities != .off {
                note(.broader, "spec.parameters.allowedCapabilities", "another constraint also lists capabilities; Tidegate allows the union")
            }
            securityContext("capabilities", \.capabilities, action)
            for name in allowed where !policy.securityContext.allowedCapabilities.contains(name) {
                policy.securityContext.allowedCapabilities.append(name)
            }
        }
        let drops = strings(parameters["requiredDropCapabilities"], parameter: "requiredDropCapabilities")
        if drops.contains(where: { $0.uppercased() == "ALL" }) {
            securityContext("requireDropAll", \.requireDropAll, action)
        } else if !drops.isEmpty {
            note(.unsupported, "spec.parameters.requiredDropCapabilities",
                 "Tidegate can require dropping ALL, not single capabilities; not enforced")
        }
    }

    mutating func users(_ parameters: JSONObject, _ action: RuleAction) {
        switch parameters["runAsUser"]?["rule"]?.stringValue {
        case "MustRunAsNonRoot": securityContext("runAsNonRoot", \.runAsNonRoot, action)
        case "RunAsAny", nil: break
        case let rule?:
            note(.unsupported, "spec.parameters.runAsUser.rule", "\(rule) (uid ranges) cannot be expressed; not enforced")
        }
        for key in ["runAsGroup", "supplementalGroups", "fsGroup"] {
            guard let rule = parameters[key]?["rule"]?.stringValue, rule != "RunAsAny" else { continue }
            note(.unsupported, "spec.parameters.\(key).rule", "\(rule) cannot be expressed; not enforced")
        }
    }

    mutating func sysctls(_ parameters: JSONObject, _ action: RuleAction) {
        let first = policy.securityContext.sysctls == .off
        if !first {
            note(.broader, "spec.parameters", "another constraint also judges sysctls; Tidegate forbids the union of the forbidden lists and allows the union of the allowed lists")
        }
        securityContext("sysctls", \.sysctls, action)
        for name in strings(parameters["forbiddenSysctls"], parameter: "forbiddenSysctls")
        where !policy.securityContext.forbiddenSysctls.contains(name) {
            policy.securityContext.forbiddenSysctls.append(name)
        }
        // An absent allowedSysctls allows every sysctl that is not forbidden; an empty one, none.
        let allowed = parameters["allowedSysctls"].map { strings($0, parameter: "allowedSysctls") } ?? ["*"]
        let previous = policy.securityContext.allowedSysctls
        policy.securityContext.allowedSysctls = first ? allowed : previous + allowed.filter { !previous.contains($0) }
    }

    mutating func hostNetworkPorts(_ parameters: JSONObject, _ action: RuleAction) {
        if parameters["hostNetwork"]?.boolValue != true {
            securityContext("hostNetwork", \.hostNetwork, action)
        }
        let min = integer(parameters["min"], parameter: "min")
        let max = integer(parameters["max"], parameter: "max")
        guard min != nil || max != nil else { return }
        if policy.securityContext.hostPorts != .off {
            note(.broader, "spec.parameters.min", "another constraint also limits host ports; Tidegate allows the union of the ranges")
        }
        let range = "\(min.map(String.init) ?? "")-\(max.map(String.init) ?? "")"
        guard HostPortRange(range) != nil else {
            note(.unsupported, "spec.parameters.min", "\(range) is not a port range within 1-65535; host ports are not limited")
            return
        }
        securityContext("hostPorts", \.hostPorts, action)
        if !policy.securityContext.allowedHostPorts.contains(range) { policy.securityContext.allowedHostPorts.append(range) }
    }

    mutating func procMount(_ value: JSONValue?, _ action: RuleAction) {
        switch value?.stringValue?.lowercased() {
        case "unmasked": break  // every procMount is allowed
        case "default", nil: securityContext("procMount", \.procMount, action)
        case let other?:
            note(.different, "spec.parameters.procMount", "unknown value \"\(other)\" is read as Default")
            securityContext("procMount", \.procMount, action)
        }
    }

    mutating func volumeTypes(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.volumeTypes != .off {
            note(.broader, "spec.parameters.volumes", "another constraint also lists volume types; Tidegate allows the union")
        }
        securityContext("volumeTypes", \.volumeTypes, action)
        for type in strings(value, parameter: "volumes") where !policy.securityContext.allowedVolumeTypes.contains(type) {
            policy.securityContext.allowedVolumeTypes.append(type)
        }
    }

    mutating func hostPaths(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.hostPaths != .off {
            note(.broader, "spec.parameters.allowedHostPaths", "another constraint also lists host paths; Tidegate allows the union")
        }
        securityContext("hostPaths", \.hostPaths, action)
        guard let value, !value.isNull else { return }
        guard let entries = value.arrayValue else {
            note(.unsupported, "spec.parameters.allowedHostPaths", "expected a list, found \(value.typeName); no host path is allowed")
            return
        }
        for (index, entry) in entries.enumerated() {
            guard let prefix = entry["pathPrefix"]?.stringValue else {
                note(.unsupported, "spec.parameters.allowedHostPaths[\(index)]", "no pathPrefix; entry ignored")
                continue
            }
            if entry["readOnly"]?.boolValue == true {
                policy.securityContext.readOnlyHostPaths.append(prefix)
            } else {
                policy.securityContext.allowedHostPaths.append(prefix)
            }
        }
    }

    /// Unlike the other pod-security-policy templates, seccomp and AppArmor judge UPDATE
    /// requests too, so these rules are not added to `skipOnUpdate`.
    mutating func seccomp(_ parameters: JSONObject, _ action: RuleAction) {
        if policy.securityContext.seccompProfile != .off {
            note(.broader, "spec.parameters.allowedProfiles", "another constraint also lists seccomp profiles; Tidegate allows the union")
        }
        policy.securityContext.seccompProfile = stricter(policy.securityContext.seccompProfile, action)
        var allowed = strings(parameters["allowedProfiles"], parameter: "allowedProfiles")
        allowed += strings(parameters["allowedLocalhostFiles"], parameter: "allowedLocalhostFiles").map { "localhost/\($0)" }
        for entry in allowed where !policy.securityContext.allowedSeccompProfiles.contains(entry) {
            policy.securityContext.allowedSeccompProfiles.append(entry)
        }
    }

    mutating func appArmor(_ parameters: JSONObject, _ action: RuleAction) {
        if policy.securityContext.appArmorProfile != .off {
            note(.broader, "spec.parameters.allowedProfiles", "another constraint also lists AppArmor profiles; Tidegate allows the union")
        }
        policy.securityContext.appArmorProfile = stricter(policy.securityContext.appArmorProfile, action)
        for entry in strings(parameters["allowedProfiles"], parameter: "allowedProfiles")
        where !policy.securityContext.allowedAppArmorProfiles.contains(entry) {
            policy.securityContext.allowedAppArmorProfiles.append(entry)
        }
    }

    mutating func seLinux(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.seLinuxOptions != .off {
            note(.broader, "spec.parameters.allowedSELinuxOptions", "another constraint also lists SELinux options; Tidegate allows the union")
        }
        securityContext("seLinuxOptions", \.seLinuxOptions, action)
        let path = "spec.parameters.allowedSELinuxOptions"
        guard let value, !value.isNull else { return }
        guard let entries = value.arrayValue else {
            note(.unsupported, path, "expected a list, found \(value.typeName); ignored (every SELinux option is now refused)")
            return
        }
        entries: for (index, entry) in entries.enumerated() {
            guard let fields = entry.objectValue else {
                note(.unsupported, "\(path)[\(index)]", "expected an object, found \(entry.typeName); entry ignored")
                continue
            }
            var parts: [String] = []
            for name in ["user", "role", "type", "level"] {
                switch fields[name] {
                case nil, .null?: parts.append("")
                case .string(let text)?: parts.append(text)
                case let other?:
                    note(.unsupported, "\(path)[\(index)].\(name)", "expected a string, found \(other.typeName); entry ignored")
                    continue entries
                }
            }
            if parts.dropLast().contains(where: { $0.contains(":") }) {
                note(.unsupported, "\(path)[\(index)]", "a user, role or type containing \":\" cannot be written as a label; entry ignored")
                continue
            }
            let label = parts.joined(separator: ":")
            if !policy.securityContext.allowedSELinuxOptions.contains(label) { policy.securityContext.allowedSELinuxOptions.append(label) }
        }
    }
}
