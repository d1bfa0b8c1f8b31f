/// Where Tidegate deliberately answers differently from the Gatekeeper library, and which
/// templates it cannot import yet. The conformance test asserts Tidegate's own outcome for
/// every case listed here, and fails when a listed case starts to agree (so the list only
/// holds real differences) or when an unsupported template becomes importable (so the list
/// shrinks as support grows).
enum ConformanceDifferences {
    struct Difference {
        /// Tidegate's decision for the case.
        var tidegateAllows: Bool
        var reason: String
    }

    /// Constraint kinds `tidegate import gatekeeper` reports as unsupported, with the reason.
    static let unsupportedKinds: [String: String] = [:]

    /// Cases by `GatekeeperCase.key`.
    static let cases: [String: Difference] = [:]
}
