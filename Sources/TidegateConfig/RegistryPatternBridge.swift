import TidegatePolicy

/// The one place the policy loader turns text into a trusted-registry pattern.
func parseRegistryPattern(_ text: String) throws -> RegistryPattern {
    try RegistryPattern(text)
}
