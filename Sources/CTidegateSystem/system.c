#define _GNU_SOURCE
#include "CTidegateSystem.h"
int tidegate_placeholder(void) { return 0; }
