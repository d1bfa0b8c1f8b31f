import Testing

@Suite struct TidegateConfigTestsPlaceholder {}
