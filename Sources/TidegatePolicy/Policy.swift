/// Placeholder until the policy model lands.
public struct Policy: Sendable {
    public init() {}
    public static let `default` = Policy()
}
