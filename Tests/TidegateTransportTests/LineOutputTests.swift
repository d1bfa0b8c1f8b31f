import Foundation
import Testing
@testable import TidegateTransport

@Suite("Line output")
struct LineOutputTests {
    /// Lines from `threads` writers, batched or not, each checkable for being whole.
    func writeConcurrently(threads: Int, lines: Int, batched: Bool) throws -> [String] {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let collected = Collected()
        let readDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            collected.data = pipe.fileHandleForReading.readDataToEndOfFile()
            readDone.signal()
        }
        let writers = DispatchGroup()
        for t in 0..<threads {
            writers.enter()
            let thread = Thread {
                let batch = batched ? LineBatch.install() : nil
                for i in 0..<lines {
                    // Some lines are longer than PIPE_BUF, where a pipe no longer keeps writes whole.
                    let padding = String(repeating: Character(UnicodeScalar(UInt8(97 + t))), count: i % 7 == 0 ? 6000 : i % 50)
                    LineOutput.append(to: fd) { $0.append(contentsOf: "\(t) \(i) \(padding) end\n".utf8) }
                    if i % 5 == 0 { batch?.flush() }
                }
                batch?.uninstall()
                writers.leave()
            }
            thread.start()
        }
        writers.wait()
        try pipe.fileHandleForWriting.close()
        readDone.wait()
        return String(decoding: collected.data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func check(_ lines: [String], threads: Int, perThread: Int) {
        #expect(lines.count == threads * perThread)
        var next = [Int](repeating: 0, count: threads)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 4, let t = Int(parts[0]), let i = Int(parts[1]), t < threads, parts[3] == "end" else {
                Issue.record("torn line: \(line.prefix(80))")
                return
            }
            let letter = Character(UnicodeScalar(UInt8(97 + t)))
            #expect(parts[2].count == (i % 7 == 0 ? 6000 : i % 50) && parts[2].allSatisfy { $0 == letter })
            // Each thread's lines stay in order.
            #expect(i == next[t])
            next[t] = i + 1
        }
    }

    @Test("lines written at once from several threads stay whole, even past PIPE_BUF")
    func immediateLinesStayWhole() throws {
        check(try writeConcurrently(threads: 4, lines: 300, batched: false), threads: 4, perThread: 300)
    }

    @Test("batched lines from several threads stay whole and in order")
    func batchedLinesStayWhole() throws {
        check(try writeConcurrently(threads: 4, lines: 300, batched: true), threads: 4, perThread: 300)
    }

    @Test("a batch holds lines until flushed")
    func batchHoldsUntilFlush() throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let done = DispatchSemaphore(value: 0)
        let seen = Collected()
        let thread = Thread {
            let batch = LineBatch.install()
            LineOutput.append(to: fd) { $0.append(contentsOf: "one\n".utf8) }
            LineOutput.append(to: fd) { $0.append(contentsOf: "two\n".utf8) }
            seen.counts.append(batch.count)
            batch.flush()
            seen.counts.append(batch.count)
            batch.uninstall()
            seen.counts.append(LineBatch.current == nil ? 0 : 1)
            done.signal()
        }
        thread.start()
        done.wait()
        #expect(seen.counts == [8, 0, 0])
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text == "one\ntwo\n")
    }
}

private final class Collected: @unchecked Sendable {
    var data = Data()
    var counts: [Int] = []
}
