# Tidegate: `make run` serves on the embedded default policy with throwaway dev certificates;
# `make test` runs every test. Both install what is missing first.
.PHONY: deps build test run release bench fuzz clean

deps:
	@scripts/install-deps

build: deps
	swift build

test: deps
	swift build --build-tests
	swift test
	python3 deploy/tests/check_manifests.py
	deploy/tests/e2e.sh .build/debug/tidegate

run: deps
	swift run -c release tidegate serve --dev

release: deps
	swift build -c release --static-swift-stdlib

bench: deps
	cd Benchmarks && swift package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build .build-* Benchmarks/.build Fuzz/.build Fuzz/.build-*
