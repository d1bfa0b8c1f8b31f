import Testing

@Suite struct TidegateAdmissionTestsPlaceholder {}
