#ifndef TIDEGATE_CLIBFUZZER_H
#define TIDEGATE_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's documented entry point for programs that keep their own main: it parses the
/// usual libFuzzer flags from argv and calls `callback` once per generated input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
