/// Every check, in the order findings are reported. One file per check under Checks/.
public enum Checks {
    public static let all: [CheckRegistration] = imageChecks + securityContextChecks + podSecurityChecks

    /// Image trust checks (Checks/Image*.swift).
    static let imageChecks: [CheckRegistration] = [
        ImageInvalidReferenceCheck.registration,
        ImageUntrustedRegistryCheck.registration,
        ImageImplicitRegistryCheck.registration,
        ImageMutableTagCheck.registration,
        ImageRequireDigestCheck.registration,
        ImageTagWithDigestCheck.registration,
    ]

    /// Least-privilege checks (Checks/SecurityContext*.swift).
    static let securityContextChecks: [CheckRegistration] = [
        MisplacedFieldsCheck.registration,
        PrivilegedCheck.registration,
        RunAsNonRootCheck.registration,
        RunAsUserUnsetCheck.registration,
        CapabilitiesCheck.registration,
        RequireDropAllCheck.registration,
        AllowPrivilegeEscalationCheck.registration,
        ReadOnlyRootFilesystemCheck.registration,
        SysctlsCheck.registration,
        HostNetworkCheck.registration,
        HostNamespacesCheck.registration,
        HostPortsCheck.registration,
        ProcMountCheck.registration,
        VolumeTypesCheck.registration,
        HostPathsCheck.registration,
        SeccompProfileCheck.registration,
        AppArmorProfileCheck.registration,
        SELinuxOptionsCheck.registration,
    ]

    /// The Pod Security Standards (PodSecurity/, one file per check); off unless the policy
    /// sets `podSecurity`.
    static let podSecurityChecks: [CheckRegistration] = PodSecurity.registrations
}
