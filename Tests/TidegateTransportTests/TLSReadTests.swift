import COpenSSL
import Foundation
import Testing
import TidegateTransport

/// The TLS read path stops reading after a short read from the kernel when OpenSSL holds nothing
/// more; these cover the cases where bytes are still buffered or still on their way.
@Suite("TLS reads")
struct TLSReadTests {
    static let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    func answers(in text: String) -> Int { text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 }

    /// Reads until `count` answers have arrived or the connection ends.
    func read(answers count: Int, from client: TLSTestClient) -> String {
        var collected = ""
        while answers(in: collected) < count {
            let more = client.read(until: "alpn=")
            if more.isEmpty { break }
            collected += more
        }
        return collected
    }

    @Test("pipelined requests in separate TLS records, arriving together, are all answered")
    func pipelinedRecords() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1))
        defer { server.stop() }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        // One record per request; the kernel coalesces them, so one read-ahead read pulls several.
        for _ in 0..<20 { client.send(Self.request) }
        #expect(answers(in: read(answers: 20, from: client)) == 20)
    }

    @Test("a request spanning several full records is answered")
    func requestLargerThanOneRecord() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1))
        defer { server.stop() }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        let padding = String(repeating: "a", count: 50_000)
        client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding)\r\n\r\n" + Self.request)
        #expect(answers(in: read(answers: 2, from: client)) == 2)
    }

    @Test("a request sent in slow pieces (one record each) is answered")
    func slowRecords() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1))
        defer { server.stop() }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        for piece in ["GET / HT", "TP/1.1\r\n", "Host: x\r\n", "\r", "\n"] {
            client.send(piece)
            usleep(30_000)
        }
        #expect(answers(in: read(answers: 1, from: client)) == 1)
        client.send(Self.request)
        #expect(answers(in: read(answers: 1, from: client)) == 1)
    }

    @Test("a client that sends a request and then closes its side is answered and closed")
    func requestThenHangUp() throws {
        let server = try TestServer(configuration: TransportConfiguration(eventLoops: 1))
        defer { server.stop() }
        let client = try TLSTestClient(port: server.tlsPort, caFile: server.certificates.caCertificateFile)
        client.send(Self.request)
        shutdown(client.socket.fd, Int32(SHUT_WR))
        #expect(answers(in: read(answers: 1, from: client)) == 1)
        #expect(client.readsUntilClosed())
        #expect(eventually(within: .seconds(5)) { server.log.closedCount.load(ordering: .relaxed) == 1 })
    }
}
