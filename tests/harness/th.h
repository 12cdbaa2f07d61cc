/* tests/harness/th.h - shared helpers for integration tests */
#ifndef FF_TESTS_TH_H
#define FF_TESTS_TH_H
#endif
