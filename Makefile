# Two commands matter: `make run` and `make test`. Everything else here serves them.
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip install --quiet --disable-pip-version-check
PORT    ?= 8501

.PHONY: run test lint unit browser bench fixtures snap clean

run: $(VENV)/.runtime
	mkdir -p data
	$(PY) -m streamlit run app.py --server.port=$(PORT) --browser.gatherUsageStats=false

# The class store's tests run against SQLite and a real PostgreSQL server that the script starts.
test: $(VENV)/.dev chromium
	$(PY) -m ruff check .
	url="$$(sh scripts/ensure_postgres.sh)" && SAFECRACKER_TEST_POSTGRES_URL="$$url" $(PY) -m pytest

# Only the fast tests (no browser), for a quick loop while editing.
unit: $(VENV)/.dev
	url="$$(sh scripts/ensure_postgres.sh)" && SAFECRACKER_TEST_POSTGRES_URL="$$url" $(PY) -m pytest -m "not browser"

bench: $(VENV)/.bench chromium
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_pages.py
	$(PY) benchmarks/bench_browser.py
	sh scripts/ensure_postgres.sh --install-only
	$(PY) benchmarks/bench_class.py
	$(PY) benchmarks/bench_network.py

# Regenerates the paths recorded from torch.optim itself: tests/fixtures/torch_paths.json (the first seven
# hands), torch_paths_hands1.json (Adamax, NAdam, RAdam, Adadelta, ASGD, Adafactor) and
# torch_paths_hands2.json (Rprop, L-BFGS, Muon; Lion's reference is its paper's rule, in the tests), and
# torch_network.npz (every hand with a torch class training the digits network, 30 steps).
fixtures: $(VENV)/.bench
	$(PY) scripts/make_torch_fixtures.py

$(VENV)/.created:
	python3 -m venv $(VENV)
	touch $@

$(VENV)/.runtime: requirements.txt $(VENV)/.created
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PIP) -r requirements.txt -r requirements-dev.txt
	touch $@

$(VENV)/.bench: requirements-bench.txt $(VENV)/.dev
	$(PIP) -r requirements-bench.txt
	touch $@

# Playwright's own browser download cannot work here; the tests drive Debian's Chromium.
chromium:
	@sh scripts/ensure_chromium.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
