import Testing

@Suite struct TidegateJSONTestsPlaceholder {}
