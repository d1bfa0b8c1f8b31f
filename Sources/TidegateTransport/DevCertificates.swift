import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway certificate authority and a serving certificate it signed, for `--dev` mode and tests.
///
/// Generated in memory with OpenSSL (EC P-256 keys, SHA-256 signatures); the serving certificate names
/// localhost, 127.0.0.1 and ::1 plus any extra DNS names given.
public struct DevCertificates: Sendable, Equatable {
    /// The CA certificate (trust this one: `curl --cacert`).
    public var caCertificateFile: String
    /// The CA's private key (lets tests sign further certificates).
    public var caKeyFile: String
    /// The serving certificate followed by the CA certificate.
    public var certificateChainFile: String
    /// The serving certificate's private key.
    public var privateKeyFile: String

    /// Generates a new CA and serving certificate and writes them into `directory` (which must exist)
    /// as ca.pem, ca-key.pem, server.pem (chain) and server-key.pem; keys are written with mode 0600.
    public static func generate(
        in directory: String, extraDNSNames: [String] = [], validDays: Int = 30, filePrefix: String = ""
    ) throws(TransportError) -> DevCertificates {
        let caKey = try makeKey()
        defer { EVP_PKEY_free(caKey) }
        let ca = try makeCertificate(
            commonName: "Tidegate development CA", key: caKey, issuer: nil, issuerKey: caKey, validDays: validDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ])
        defer { X509_free(ca) }

        let serverKey = try makeKey()
        defer { EVP_PKEY_free(serverKey) }
        let names = (["localhost"] + extraDNSNames).map { "DNS:\($0)" } + ["IP:127.0.0.1", "IP:::1"]
        let server = try makeCertificate(
            commonName: "localhost", key: serverKey, issuer: ca, issuerKey: caKey, validDays: validDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth,clientAuth"),
                (NID_subject_alt_name, names.joined(separator: ",")),
                (NID_authority_key_identifier, "keyid"),
            ])
        defer { X509_free(server) }

        let result = DevCertificates(
            caCertificateFile: directory + "/\(filePrefix)ca.pem",
            caKeyFile: directory + "/\(filePrefix)ca-key.pem",
            certificateChainFile: directory + "/\(filePrefix)server.pem",
            privateKeyFile: directory + "/\(filePrefix)server-key.pem")
        let caPEM = try certificatePEM(ca)
        try writeFile(result.caCertificateFile, caPEM, mode: 0o644)
        try writeFile(result.caKeyFile, try keyPEM(caKey), mode: 0o600)
        try writeFile(result.certificateChainFile, try certificatePEM(server) + caPEM, mode: 0o644)
        try writeFile(result.privateKeyFile, try keyPEM(serverKey), mode: 0o600)
        return result
    }

    /// Issues a client certificate (for mutual TLS) signed by this CA, written as PEM cert + key files.
    public func issueClientCertificate(
        commonName: String, certificateFile: String, keyFile: String, validDays: Int = 30
    ) throws(TransportError) {
        let caCert = try readCertificate(caCertificateFile)
        defer { X509_free(caCert) }
        let caKey = try readKey(caKeyFile)
        defer { EVP_PKEY_free(caKey) }
        let key = try Self.makeKey()
        defer { EVP_PKEY_free(key) }
        let cert = try Self.makeCertificate(
            commonName: commonName, key: key, issuer: caCert, issuerKey: caKey, validDays: validDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "clientAuth"),
            ])
        defer { X509_free(cert) }
        try writeFile(certificateFile, try Self.certificatePEM(cert), mode: 0o644)
        try writeFile(keyFile, try Self.keyPEM(key), mode: 0o600)
    }

    // MARK: OpenSSL plumbing

    private static func makeKey() throws(TransportError) -> OpaquePointer {
        guard let key = tg_evp_ec_gen("P-256") else {
            throw .certificateGenerationFailed(step: "EC P-256 key", reason: drainOpenSSLErrors())
        }
        return key
    }

    private static func makeCertificate(
        commonName: String, key: OpaquePointer, issuer: OpaquePointer?, issuerKey: OpaquePointer, validDays: Int,
        extensions: [(Int32, String)]
    ) throws(TransportError) -> OpaquePointer {
        guard let cert = X509_new() else {
            throw .certificateGenerationFailed(step: "X509_new", reason: drainOpenSSLErrors())
        }
        func fail(_ step: String) -> TransportError {
            X509_free(cert)
            return .certificateGenerationFailed(step: step, reason: drainOpenSSLErrors())
        }
        var serial: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &serial) { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8) }
        guard let bigSerial = BN_new() else { throw fail("serial") }
        defer { BN_free(bigSerial) }
        guard X509_set_version(cert, 2) == 1,
            BN_set_word(bigSerial, UInt(serial >> 1) | 1) == 1,  // positive, non-zero in practice
            BN_to_ASN1_INTEGER(bigSerial, X509_get_serialNumber(cert)) != nil,
            X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nil,
            X509_gmtime_adj(X509_getm_notAfter(cert), validDays * 86_400) != nil,
            X509_set_pubkey(cert, key) == 1
        else { throw fail("certificate fields") }
        guard let name = X509_get_subject_name(cert),
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "Tidegate", -1, -1, 0) == 1,
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
        else { throw fail("subject name") }
        let issuerName = issuer.map { X509_get_subject_name($0) } ?? name
        guard X509_set_issuer_name(cert, issuerName) == 1 else { throw fail("issuer name") }

        var context = X509V3_CTX()
        tg_x509v3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer ?? cert, cert, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw fail("extension \(value)") }
            let added = X509_add_ext(cert, ext, -1)
            X509_EXTENSION_free(ext)
            guard added == 1 else { throw fail("extension \(value)") }
        }
        guard X509_sign(cert, issuerKey, EVP_sha256()) > 0 else { throw fail("X509_sign") }
        return cert
    }

    private static func certificatePEM(_ cert: OpaquePointer) throws(TransportError) -> [UInt8] {
        try pem("certificate PEM") { PEM_write_bio_X509($0, cert) }
    }

    private static func keyPEM(_ key: OpaquePointer) throws(TransportError) -> [UInt8] {
        try pem("key PEM") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    private static func pem(_ step: String, _ write: (OpaquePointer) -> Int32) throws(TransportError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .certificateGenerationFailed(step: step, reason: drainOpenSSLErrors())
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw .certificateGenerationFailed(step: step, reason: drainOpenSSLErrors()) }
        var data: UnsafeMutablePointer<CChar>?
        let length = tg_bio_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw .certificateGenerationFailed(step: step, reason: "empty PEM") }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    private func readCertificate(_ path: String) throws(TransportError) -> OpaquePointer {
        guard let file = fopen(path, "r") else { throw .certificateUnreadable(path: path, reason: systemErrorText(errno)) }
        defer { fclose(file) }
        guard let cert = PEM_read_X509(file, nil, nil, nil) else {
            throw .certificateUnreadable(path: path, reason: drainOpenSSLErrors())
        }
        return cert
    }

    private func readKey(_ path: String) throws(TransportError) -> OpaquePointer {
        guard let file = fopen(path, "r") else { throw .privateKeyUnreadable(path: path, reason: systemErrorText(errno)) }
        defer { fclose(file) }
        guard let key = PEM_read_PrivateKey(file, nil, nil, nil) else {
            throw .privateKeyUnreadable(path: path, reason: drainOpenSSLErrors())
        }
        return key
    }
}
