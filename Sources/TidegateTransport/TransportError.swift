/// Errors from setting up listeners, event loops and TLS.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case listenFailed(host: String, port: Int, errno: Int32)
    case systemCallFailed(call: String, errno: Int32)
    case certificateUnreadable(path: String, reason: String)
    case privateKeyUnreadable(path: String, reason: String)
    case keyDoesNotMatchCertificate(certificate: String, key: String, reason: String)
    case clientCAUnreadable(path: String, reason: String)
    case tlsSetupFailed(step: String, reason: String)
    case certificateGenerationFailed(step: String, reason: String)
    case fileWriteFailed(path: String, errno: Int32)
    case alreadyStarted
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .listenFailed(host, port, code):
            "cannot listen on \(host):\(port): \(systemErrorText(code))"
        case let .systemCallFailed(call, code):
            "\(call) failed: \(systemErrorText(code))"
        case let .certificateUnreadable(path, reason):
            "cannot load certificate chain from \(path): \(reason)"
        case let .privateKeyUnreadable(path, reason):
            "cannot load private key from \(path): \(reason)"
        case let .keyDoesNotMatchCertificate(certificate, key, reason):
            "private key \(key) does not match certificate \(certificate): \(reason)"
        case let .clientCAUnreadable(path, reason):
            "cannot load client CA certificates from \(path): \(reason)"
        case let .tlsSetupFailed(step, reason):
            "TLS setup failed at \(step): \(reason)"
        case let .certificateGenerationFailed(step, reason):
            "certificate generation failed at \(step): \(reason)"
        case let .fileWriteFailed(path, code):
            "cannot write \(path): \(systemErrorText(code))"
        case .alreadyStarted:
            "the server was already started"
        case let .invalidConfiguration(text):
            "invalid transport configuration: \(text)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
