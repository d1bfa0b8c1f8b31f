import TidegateCLI

TidegateCommand.main()
