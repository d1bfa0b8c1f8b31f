/// Every check, in the order findings are reported. One file per check under Checks/.
public enum Checks {
    public static let all: [CheckRegistration] = imageChecks + securityContextChecks

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
    ]
}
