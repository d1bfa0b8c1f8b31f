import Testing
@testable import TidegateCLI

/// Sizes for `--max-body` and `--body-budget`, written as in a Deployment's resources.
@Suite("Byte quantities")
struct ByteQuantityTests {
    @Test("accepted: whole bytes, binary and decimal suffixes", arguments: [
        ("3145728", 3_145_728),
        ("0", 0),
        ("512Ki", 524_288),
        ("3Mi", 3_145_728),
        ("1Gi", 1_073_741_824),
        ("500k", 500_000),
        ("3M", 3_000_000),
        ("2G", 2_000_000_000),
    ])
    func accepted(text: String, bytes: Int) {
        #expect(ByteQuantity.parse(text) == bytes)
    }

    @Test("refused: anything else, rather than a guess", arguments: [
        "", "Mi", "3MB", "3 Mi", "3mi", "1.5Mi", "-1", "+1", "0x10", "3Mi ", "3Ki5", "Ki3",
        "99999999999999999999", "9999999999Gi",
    ])
    func refused(text: String) {
        #expect(ByteQuantity.parse(text) == nil)
    }

    @Test("described in the largest binary unit that divides it", arguments: [
        (3_145_728, "3Mi"), (1024, "1Ki"), (1_073_741_824, "1Gi"), (1000, "1000"), (1536, "1536"),
        (2_097_152 + 1024, "2049Ki"),
    ])
    func described(bytes: Int, text: String) {
        #expect(ByteQuantity.describe(bytes) == text)
    }
}
