import Testing

@Suite struct TidegateCLITestsPlaceholder {}
