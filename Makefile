# The everyday commands. CMake does the building; build/ holds the trees.
.PHONY: all release test bench run asan tsan valgrind format-check lint tidy fuzz clean

all: release

release:
	@scripts/deps.sh
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build/release -j$$(nproc)

test:
	@scripts/test.sh

bench: release
	@scripts/deps.sh --bench
	@tests/bench/run build/release/flawfix

run:
	@./run

asan:
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DFF_SANITIZE=ON >/dev/null
	cmake --build build/asan -j$$(nproc)

tsan:
	cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DFF_TSAN=ON >/dev/null
	cmake --build build/tsan -j$$(nproc)

valgrind:
	cmake -S . -B build/debug -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build/debug -j$$(nproc)
	cd build/debug && ctest -L unit -T memcheck

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

lint:
	scripts/lint/cppcheck.sh

# clang-tidy with the profile of .clang-tidy (STYLE.md); needs build/asan's compile_commands.json
tidy:
	git ls-files '*.c' | grep -v '^tests/' | xargs -P$$(nproc) -n8 clang-tidy -p build/asan --quiet

# libFuzzer targets (tests/fuzz), FUZZ_SECONDS each; make test runs a short fixed-seed pass
FUZZ_SECONDS ?= 300
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build
