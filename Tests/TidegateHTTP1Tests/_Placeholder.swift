import Testing

@Suite struct TidegateHTTP1TestsPlaceholder {}
