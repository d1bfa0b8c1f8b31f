#if canImport(Glibc)
import Glibc
#endif
import CLibFuzzer

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, HTTP2FuzzTarget.callback))
