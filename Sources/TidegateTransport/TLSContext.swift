import COpenSSL

/// An immutable OpenSSL server context built from a `TLSConfiguration`.
///
/// Connections keep a strong reference to the context they were accepted with, so swapping in a new
/// one (certificate reload) never disturbs established connections.
public final class TLSContext: @unchecked Sendable {
    // Safe to share: after init the SSL_CTX is only read (SSL_new), which OpenSSL allows from any thread.
    let raw: OpaquePointer
    let configuration: TLSConfiguration
    private let alpn: UnsafeMutablePointer<tg_alpn_preference>

    public init(_ configuration: TLSConfiguration) throws(TransportError) {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw .tlsSetupFailed(step: "SSL_CTX_new", reason: drainOpenSSLErrors())
        }
        raw = ctx
        self.configuration = configuration
        alpn = .allocate(capacity: 1)
        alpn.initialize(to: tg_alpn_preference())
        try configure(configuration)
    }

    deinit {
        SSL_CTX_free(raw)
        alpn.deallocate()
    }

    private func configure(_ config: TLSConfiguration) throws(TransportError) {
        ERR_clear_error()
        guard tg_ssl_ctx_set_min_proto_version(raw, TG_TLS1_2_VERSION) == 1,
            tg_ssl_ctx_set_max_proto_version(raw, TG_TLS1_3_VERSION) == 1
        else { throw .tlsSetupFailed(step: "protocol versions", reason: drainOpenSSLErrors()) }
        _ = SSL_CTX_set_options(
            raw,
            TG_SSL_OP_NO_COMPRESSION | TG_SSL_OP_NO_RENEGOTIATION | TG_SSL_OP_CIPHER_SERVER_PREFERENCE
                | TG_SSL_OP_IGNORE_UNEXPECTED_EOF)
        // Partial writes + moving buffer: the output array may grow/reallocate between write retries.
        // Release buffers: an idle connection then holds no 2x17 KB record buffers (as nginx does).
        _ = tg_ssl_ctx_set_mode(
            raw,
            TG_SSL_MODE_ENABLE_PARTIAL_WRITE | TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | TG_SSL_MODE_RELEASE_BUFFERS)
        // Read-ahead lets one read(2) pull several records instead of header-then-body reads.
        tg_ssl_ctx_set_read_ahead(raw, 1)
        // ... and a read buffer of four full records lets it pull a 60 KB review in one read(2)
        // instead of one per 16 KB record (released again when idle, see above).
        SSL_CTX_set_default_read_buffer_len(raw, 4 * (16 * 1024 + 256))
        guard SSL_CTX_set_cipher_list(raw, config.tls12CipherList) == 1 else {
            throw .tlsSetupFailed(step: "cipher list", reason: drainOpenSSLErrors())
        }
        guard SSL_CTX_set_ciphersuites(raw, config.tls13CipherSuites) == 1 else {
            throw .tlsSetupFailed(step: "TLS 1.3 cipher suites", reason: drainOpenSSLErrors())
        }
        guard tg_ssl_ctx_set1_groups_list(raw, config.groups) == 1 else {
            throw .tlsSetupFailed(step: "groups \(config.groups)", reason: drainOpenSSLErrors())
        }
        _ = tg_ssl_ctx_set_session_cache_mode(raw, TG_SSL_SESS_CACHE_SERVER)
        _ = tg_ssl_ctx_sess_set_cache_size(raw, config.sessionCacheSize)
        // Required for resumption whenever client certificates are verified; harmless otherwise.
        let sessionContext = Array("tidegate".utf8)
        _ = SSL_CTX_set_session_id_context(raw, sessionContext, UInt32(sessionContext.count))

        try loadIdentity(config)
        try configureClientAuthentication(config.clientAuthentication)
        try configureALPN(config.applicationProtocols)
    }

    private func loadIdentity(_ config: TLSConfiguration) throws(TransportError) {
        let cert = config.certificateChainFile
        let key = config.privateKeyFile
        guard fileIsReadable(cert) else { throw .certificateUnreadable(path: cert, reason: "file missing or unreadable") }
        guard SSL_CTX_use_certificate_chain_file(raw, cert) == 1 else {
            throw .certificateUnreadable(path: cert, reason: drainOpenSSLErrors())
        }
        guard fileIsReadable(key) else { throw .privateKeyUnreadable(path: key, reason: "file missing or unreadable") }
        guard SSL_CTX_use_PrivateKey_file(raw, key, SSL_FILETYPE_PEM) == 1 else {
            let reason = drainOpenSSLErrors()
            if reason.contains("values mismatch") || reason.contains("key values") {
                throw .keyDoesNotMatchCertificate(certificate: cert, key: key, reason: reason)
            }
            throw .privateKeyUnreadable(path: key, reason: reason)
        }
        guard SSL_CTX_check_private_key(raw) == 1 else {
            throw .keyDoesNotMatchCertificate(certificate: cert, key: key, reason: drainOpenSSLErrors())
        }
    }

    private func configureClientAuthentication(_ auth: TLSConfiguration.ClientAuthentication) throws(TransportError) {
        let caFile: String
        let mode: Int32
        switch auth {
        case .none:
            SSL_CTX_set_verify(raw, TG_SSL_VERIFY_NONE, nil)
            return
        case let .required(file):
            caFile = file
            mode = TG_SSL_VERIFY_PEER | TG_SSL_VERIFY_FAIL_IF_NO_PEER_CERT
        case let .optional(file):
            caFile = file
            mode = TG_SSL_VERIFY_PEER
        }
        guard fileIsReadable(caFile), SSL_CTX_load_verify_locations(raw, caFile, nil) == 1,
            let names = SSL_load_client_CA_file(caFile)
        else {
            throw .clientCAUnreadable(path: caFile, reason: fileIsReadable(caFile) ? drainOpenSSLErrors() : "file missing or unreadable")
        }
        SSL_CTX_set_client_CA_list(raw, names)
        SSL_CTX_set_verify(raw, mode, nil)
    }

    private func configureALPN(_ protocols: [String]) throws(TransportError) {
        var wire: [UInt8] = []
        for name in protocols {
            let bytes = Array(name.utf8)
            guard (1...255).contains(bytes.count) else {
                throw .invalidConfiguration("ALPN protocol name \"\(name)\" must be 1...255 bytes")
            }
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        guard wire.count <= 256 else { throw .invalidConfiguration("ALPN list longer than 256 bytes") }
        guard !wire.isEmpty else { return }
        withUnsafeMutableBytes(of: &alpn.pointee.wire) { target in
            target.copyBytes(from: wire)
        }
        alpn.pointee.length = UInt32(wire.count)
        tg_ssl_ctx_set_alpn_preference(raw, alpn)
    }
}

/// The context handed to new connections, replaceable at run time (certificate rotation).
public final class ReloadableTLSContext: Sendable {
    private let state: Locked<TLSContext>

    public init(_ configuration: TLSConfiguration) throws(TransportError) {
        state = Locked(try TLSContext(configuration))
    }

    /// The context new connections use.
    public var current: TLSContext { state.withLock { $0 } }

    /// Builds a context from a new certificate/key pair and swaps it in for new connections.
    /// If the pair is broken the error is thrown and the previous context keeps serving.
    public func reload(certFile: String, keyFile: String) throws(TransportError) {
        var config = current.configuration
        config.certificateChainFile = certFile
        config.privateKeyFile = keyFile
        let fresh = try TLSContext(config)
        state.withLock { $0 = fresh }
    }

    /// Rebuilds from the same file paths (after the files changed on disk).
    public func reload() throws(TransportError) {
        let config = current.configuration
        try reload(certFile: config.certificateChainFile, keyFile: config.privateKeyFile)
    }
}

/// Takes all queued OpenSSL errors for this thread as one readable line.
func drainOpenSSLErrors() -> String {
    var parts: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return parts.isEmpty ? "unknown OpenSSL error" : parts.joined(separator: "; ")
}
