# The two commands of the README:  `make run`  and  `make test`.
# Both create the virtual environment and install what is needed on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint build bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## run: build the graph from seeds/ when needed, then serve it on http://127.0.0.1:8000/
run: $(STAMP)
	$(BIN)/migkg serve

## test: lint, then the whole test suite (real HTTP servers, real SPARQL clients, headless Chromium)
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

build: $(STAMP)
	$(BIN)/migkg build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's chromium for the real-browser tests (Playwright drives /usr/bin/chromium; its own
# browser download does not work offline).  Needs root; without it the browser tests are skipped
# unless MIGKG_REQUIRE_BROWSER=1, as in CI.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) \
	      || echo "could not install chromium; browser tests will be skipped"; \
	  else echo "chromium missing (install it as root: apt-get install chromium)"; fi; }

clean:
	rm -rf $(VENV) data .pytest_cache
