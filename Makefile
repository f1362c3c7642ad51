# The README gives two commands: `make demo` (set up everything, run the suite on embedded defaults)
# and `make test` (set up everything, run all tests). Everything else is for developers.
.PHONY: setup demo test lint format typecheck bench schemas compose-check clean

setup:
	./scripts/setup

demo: setup
	.venv/bin/tthc demo

test: setup
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck:
	.venv/bin/mypy libs/kit/src libs/contracts/src services/dossier/src services/indicators/src cli/src

bench: setup
	.venv/bin/tthc bench feed --out bench-results
	.venv/bin/tthc bench index --out bench-results

schemas:
	.venv/bin/tthc contracts export-schemas tests/contract/schemas

compose-check:
	docker-compose -f docker-compose.yml config -q

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
