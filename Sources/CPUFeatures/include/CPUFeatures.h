#ifndef EXPLAININGHATE_CPU_FEATURES_H
#define EXPLAININGHATE_CPU_FEATURES_H

#include <stdbool.h>

/// True when this CPU and its operating system run everything `-target-cpu haswell` may emit:
/// AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE and POPCNT, with the OS saving the YMM registers.
bool explaininghate_cpu_runs_haswell_code(void);

/// True when this CPU and its operating system run everything `-target-cpu icelake-server` may
/// emit: the Haswell set plus AVX-512 F/CD/DQ/BW/VL/IFMA/VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ, GFNI,
/// VAES and VPCLMULQDQ, with the OS saving the opmask and ZMM registers.
bool explaininghate_cpu_runs_icelake_server_code(void);

#endif
