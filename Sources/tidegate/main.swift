import TidegateCLI

TidegateCommand.runMain()
