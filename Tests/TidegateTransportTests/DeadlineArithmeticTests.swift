import Testing
@testable import TidegateTransport

/// Deadlines are monotonic nanoseconds: a configured duration too long for them lies in the far
/// future, never wraps into the past (which would time a connection out at once).
@Suite("Deadline arithmetic")
struct DeadlineArithmeticTests {
    @Test("a duration in nanoseconds: negative is zero, centuries saturate", arguments: [
        (Duration.zero, UInt64(0)),
        (.seconds(-1), 0),
        (.nanoseconds(-1), 0),  // components (0 s, −10⁹ as): trapped converting to UInt64 before
        (.milliseconds(1500), 1_500_000_000),
        (.nanoseconds(1), 1),
        (.seconds(18_446_744_073), 18_446_744_073_000_000_000),  // the last whole second that fits
        (.seconds(18_446_744_074), .max),
        (.seconds(Int64.max), .max),
    ])
    func nanoseconds(duration: Duration, expected: UInt64) {
        #expect(duration.nanoseconds == expected)
    }

    @Test("a deadline after a start saturates instead of wrapping", arguments: [
        (UInt64(10), UInt64(5), UInt64(15)),
        (.max - 5, 5, .max),
        (.max - 5, 6, .max),
        (.max, .max, .max),
    ])
    func addingSaturating(start: UInt64, length: UInt64, expected: UInt64) {
        #expect(start.addingSaturating(length) == expected)
    }
}
