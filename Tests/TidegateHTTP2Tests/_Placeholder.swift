import Testing

@Suite struct TidegateHTTP2TestsPlaceholder {}
