import Foundation
import Synchronization

/// Background clients that keep sending reviews (one curl process per request, so every request
/// is a new TLS connection) until stopped, recording every outcome.
final class LoadLoop: Sendable {
    struct Outcome: Sendable {
        var version: HTTPVersion
        var exitCode: Int32
        var status: Int
        var stderr: String
    }

    private let outcomes = Mutex<[Outcome]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let workers: Int

    /// One worker per protocol, each posting `bodyFile` to /validate trusting `caFile`.
    init(port: Int, bodyFile: String, caFile: String) {
        workers = HTTPVersion.allCases.count
        for version in HTTPVersion.allCases {
            Thread { [self] in
                while !stopping.load(ordering: .relaxed) {
                    let outcome: Outcome
                    do {
                        let result = try postJSON(version, port: port, path: "/validate", bodyFile: bodyFile, caFile: caFile)
                        outcome = Outcome(version: version, exitCode: result.exitCode, status: result.status, stderr: result.stderr)
                    } catch {
                        outcome = Outcome(version: version, exitCode: -1, status: 0, stderr: "\(error)")
                    }
                    outcomes.withLock { $0.append(outcome) }
                }
                finished.signal()
            }.start()
        }
    }

    var count: Int { outcomes.withLock { $0.count } }

    /// Waits until `more` further requests have completed (bounded), so a phase is known to have had load.
    @discardableResult
    func waitForRequests(_ more: Int) -> Bool {
        let target = count + more
        return eventually(every: .milliseconds(20)) { count >= target }
    }

    /// Stops the workers and returns every outcome.
    func stop() -> [Outcome] {
        stopping.store(true, ordering: .relaxed)
        for _ in 0..<workers { _ = finished.wait(timeout: .now() + 120) }
        return outcomes.withLock { $0 }
    }
}
