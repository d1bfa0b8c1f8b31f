import Testing

@Suite struct TidegateServerTestsPlaceholder {}
