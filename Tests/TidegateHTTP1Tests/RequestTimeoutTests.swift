import Testing
import TidegateHTTP
@testable import TidegateHTTP1

/// kube-apiserver calls a webhook as `POST /validate?timeout=10s`: the time it will wait, in Go's
/// duration syntax. Past it nobody reads the answer, so the server stops waiting for the request.
@Suite("Request time limits from ?timeout=")
struct RequestTimeoutTests {
    static let durations: [(String, Duration?)] = [
        ("10s", .seconds(10)),                   // what the apiserver sends
        ("30s", .seconds(30)),
        ("1s", .seconds(1)),
        ("1m30s", .seconds(90)),                 // units add up
        ("1h", .seconds(3600)),
        ("250ms", .milliseconds(250)),
        ("1.5s", .milliseconds(1500)),           // fractions
        (".5s", .milliseconds(500)),
        ("2us", .microseconds(2)),
        ("2µs", .microseconds(2)),               // micro sign U+00B5
        ("2μs", .microseconds(2)),               // Greek mu U+03BC
        ("100ns", .nanoseconds(100)),
        ("+5s", .seconds(5)),
        ("0s", nil),                             // no time at all is not a deadline
        ("0", nil),
        ("-5s", nil),                            // negative
        ("10", nil),                             // a unit is required
        ("s", nil),                              // a number is required
        (".s", nil),
        ("10x", nil),                            // unknown unit
        ("10S", nil),                            // units are lower case
        ("", nil),
        ("25h", nil),                            // past a day: not a deadline anyone means
        ("99999999999999999999h", nil),          // no overflow
        ("0.3s", .milliseconds(300)),            // exact, as Go reads it (no binary fraction)
        ("1.000000001s", .nanoseconds(1_000_000_001)),
        ("86400.0000000001s", .seconds(86400)),  // below a nanosecond: truncated
        ("0.5ns", nil),                          // truncates to zero: no deadline
        ("1.5h", .seconds(5400)),
    ]

    @Test("Go durations", arguments: durations)
    func parsesGoDurations(text: String, expected: Duration?) {
        #expect(GoDuration.parse(text) == expected)
    }

    static let targets: [(String, Duration?)] = [
        ("/validate?timeout=10s", .seconds(10)),
        ("/validate?dryRun=All&timeout=3s", .seconds(3)),
        ("/validate?timeout=3s&x=1", .seconds(3)),
        ("/validate", nil),
        ("/validate?timeouts=3s", nil),          // another parameter
        ("/validate?timeout=", nil),
        ("/validate?timeout=soon", nil),         // unreadable: served under the server's own limits
        ("/timeout=3s", nil),                    // not in the query
    ]

    @Test("the timeout parameter of a request target", arguments: targets)
    func readsTheQueryParameter(target: String, expected: Duration?) {
        #expect(RequestTimeout.of(target: target) == expected)
    }

    @Test("the limit holds from the request line until the request is complete")
    func limitLastsForTheRequestInProgress() {
        var connection = HTTP1Connection()
        var output: [UInt8] = []
        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { connection.receive($0, responder: EchoResponder(), output: &output) }
        }
        #expect(connection.requestTimeLimit == nil)
        send("POST /validate?timeout=2s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n{}")
        #expect(connection.requestTimeLimit == .seconds(2))
        send("{}")
        #expect(connection.requestTimeLimit == nil, "the request is complete")
        send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n{")
        #expect(connection.requestTimeLimit == nil, "the next request gives no time")
    }
}

/// Duration flags (`--idle-poll`) also take zero, written the ways Go reads it.
@Suite("Go durations that may be zero")
struct ZeroDurationTests {
    @Test("zero is accepted when allowed, in Go's spellings; everything else reads as without", arguments: [
        ("0", Duration.zero), ("+0", .zero), ("0s", .zero), ("0us", .zero), ("0.0ms", .zero), ("0h0m", .zero),
        ("100us", .microseconds(100)), ("1ms", .milliseconds(1)),
        ("00", nil), ("0.", nil), ("0x", nil), ("", nil), ("us", nil),
        ("-0s", nil),  // a minus sign is refused, even on zero
    ] as [(String, Duration?)])
    func allowingZero(text: String, expected: Duration?) {
        #expect(GoDuration.parse(text, allowingZero: true) == expected)
    }

    @Test("without allowing it, zero is no duration", arguments: ["0", "0s", "0.0ms"])
    func zeroRefused(text: String) {
        #expect(GoDuration.parse(text) == nil)
    }
}

/// Deadlines are kept as CLOCK_MONOTONIC nanoseconds across the layers.
@Suite("Monotonic deadlines")
struct MonotonicDeadlineTests {
    @Test("a deadline is the start plus the duration, saturating at the clock's end", arguments: [
        (UInt64(1_000), Duration.seconds(1), UInt64(1_000_001_000)),
        (1_000, .milliseconds(1.5), 1_501_000),
        (0, .nanoseconds(1), 1),
        (UInt64.max - 10, .seconds(1), .max),            // would wrap
        (5, .seconds(Int64.max), .max),                   // seconds overflow the nanosecond count
        (7, .zero, 7),
        (7, .seconds(-1), 7),                             // negative: no time added
        (0, .seconds(Int64(UInt64.max / 1_000_000_000)) + .nanoseconds(999_999_999), .max),  // whole + fraction wraps
    ] as [(UInt64, Duration, UInt64)])
    func deadline(start: UInt64, duration: Duration, expected: UInt64) {
        #expect(MonotonicTime.deadline(after: start, duration) == expected)
    }

    @Test("the clock does not go backwards")
    func monotonic() {
        let first = MonotonicTime.now()
        let second = MonotonicTime.now()
        #expect(second >= first && first > 0)
    }
}
