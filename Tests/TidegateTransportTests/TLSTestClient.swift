import COpenSSL
import Foundation

/// A blocking OpenSSL client over a `RawClient` socket, for tests that need a TLS connection kept open
/// across server-side events (reload, drain) or session resumption.
final class TLSTestClient {
    enum Failure: Error { case setup(String), handshake(String) }

    let socket: RawClient
    let context: OpaquePointer
    let ssl: OpaquePointer

    init(
        port: Int, caFile: String, alpn: [String] = [], version: Int32? = nil, session: OpaquePointer? = nil,
        certificateFile: String? = nil, keyFile: String? = nil
    ) throws {
        socket = try RawClient(port: port)
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure.setup("SSL_CTX_new") }
        self.context = context
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else { throw Failure.setup("CA \(caFile)") }
        SSL_CTX_set_verify(context, TG_SSL_VERIFY_PEER, nil)
        if let version {
            _ = tg_ssl_ctx_set_min_proto_version(context, version)
            _ = tg_ssl_ctx_set_max_proto_version(context, version)
        }
        if let certificateFile, let keyFile {
            guard SSL_CTX_use_certificate_file(context, certificateFile, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1
            else { throw Failure.setup("client certificate") }
        }
        guard let ssl = SSL_new(context) else { throw Failure.setup("SSL_new") }
        self.ssl = ssl
        if !alpn.isEmpty {
            var wire: [UInt8] = []
            for name in alpn { wire.append(UInt8(name.utf8.count)); wire.append(contentsOf: name.utf8) }
            _ = SSL_set_alpn_protos(ssl, wire, UInt32(wire.count))
        }
        let host = X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), "localhost", 0)
        precondition(host == 1)
        if let session { SSL_set_session(ssl, session) }
        SSL_set_fd(ssl, socket.fd)
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(ERR_get_error(), &buffer, buffer.count)
            throw Failure.handshake(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    var version: String { String(cString: SSL_get_version(ssl)) }
    var reusedSession: Bool { tg_ssl_session_reused(ssl) == 1 }

    /// The server certificate's subject and issuer, one line.
    var peerCertificateIssuer: String {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return "" }
        defer { X509_free(cert) }
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_issuer_name(cert), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func session() -> OpaquePointer? { SSL_get1_session(ssl) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        _ = SSL_write_ex(ssl, bytes, bytes.count, &written)
    }

    /// Reads until `marker` appears or the connection ends.
    func read(until marker: String) -> String {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !String(decoding: collected, as: UTF8.self).contains(marker) {
            var count = 0
            guard SSL_read_ex(ssl, &buffer, buffer.count, &count) == 1 else { break }
            collected.append(contentsOf: buffer[..<count])
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Reads until the server closes; true if it did (rather than the bound passing).
    func readsUntilClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            var count = 0
            if SSL_read_ex(ssl, &buffer, buffer.count, &count) == 1 { continue }
            let kind = SSL_get_error(ssl, 0)
            return !(kind == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
        }
    }
}
