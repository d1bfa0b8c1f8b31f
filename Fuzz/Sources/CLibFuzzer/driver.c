// SwiftPM needs one source file per C target; the symbol itself comes from libFuzzer.
#include "CLibFuzzer.h"
