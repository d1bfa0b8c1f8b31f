/// How a TLS listener authenticates itself and its clients.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM file with the serving certificate first, then intermediates.
    public var certificateChainFile: String
    /// PEM file with the private key of the serving certificate.
    public var privateKeyFile: String
    /// ALPN protocols in server preference order. Clients that offer none of them get no ALPN (HTTP/1.1).
    public var applicationProtocols: [String]
    /// Client certificate policy.
    public var clientAuthentication: ClientAuthentication
    /// TLS 1.2 cipher suites (OpenSSL names). TLS 1.3 suites are all AEAD and left at OpenSSL's default.
    public var tls12CipherList: String
    /// Key exchange groups, in preference order.
    public var groups: String
    /// Server-side session cache entries (TLS 1.2 session IDs); TLS 1.3 resumes with stateless tickets.
    public var sessionCacheSize: Int

    public init(
        certificateChainFile: String, privateKeyFile: String,
        applicationProtocols: [String] = ["h2", "http/1.1"],
        clientAuthentication: ClientAuthentication = .none,
        tls12CipherList: String = TLSConfiguration.modernTLS12Ciphers,
        groups: String = "X25519:P-256",
        sessionCacheSize: Int = 20_000
    ) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.applicationProtocols = applicationProtocols
        self.clientAuthentication = clientAuthentication
        self.tls12CipherList = tls12CipherList
        self.groups = groups
        self.sessionCacheSize = sessionCacheSize
    }

    /// ECDHE key exchange with AEAD ciphers only (forward secrecy, no CBC, no RSA key transport).
    public static let modernTLS12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    public enum ClientAuthentication: Sendable, Equatable {
        /// No client certificate is asked for.
        case none
        /// A certificate signed by a CA in this PEM file is required; clients without one are refused.
        case required(caFile: String)
        /// A certificate is asked for and verified if sent; clients without one are still served.
        case optional(caFile: String)
    }
}
