import Testing

@Suite struct TidegatePolicyTestsPlaceholder {}
